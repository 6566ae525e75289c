#!/usr/bin/env python3
"""moto's server with the patches of moto_compat.py, for the deploy suite.

    python3 server.py --port N [--account 222222222222]   serve on localhost:N; prints "ready N" once it answers
    python3 server.py --list-types                        print the CloudFormation types it models, as JSON
"""
import argparse
import json
import os
import signal
import socket
import sys
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int)
    parser.add_argument("--account", default="222222222222", help="the account of plain credentials")
    parser.add_argument("--list-types", action="store_true")
    args = parser.parse_args()
    if not args.list_types and not args.port:
        parser.error("--port or --list-types is required")

    sys.path.insert(0, HERE)
    import moto_compat  # noqa: E402  (imports moto, checks its version, patches it)

    moto_compat.apply()
    set_default_account(args.account)
    if args.list_types:
        print(json.dumps(moto_compat.list_types(), indent=2, sort_keys=True))
        return
    serve(args.port)


def set_default_account(account: str) -> None:
    """The account of credentials moto does not know (plain test keys). Not MOTO_ACCOUNT_ID: moto's server applies that
    to every request, so credentials of a role assumed in another account would still act in this one."""
    import moto.core
    import moto.core.models
    import moto.iam.models

    os.environ.pop("MOTO_ACCOUNT_ID", None)
    for module in (moto.core, moto.core.models, moto.iam.models):
        module.DEFAULT_ACCOUNT_ID = account


def serve(port: int) -> None:
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    # Every address localhost names (moto reads a TemplateURL's bucket from the host name "localhost").
    addresses = sorted({info[4][0] for info in socket.getaddrinfo("localhost", port, type=socket.SOCK_STREAM)})
    servers = [make_server(address, port, app, threaded=True) for address in addresses]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())

    urllib.request.urlopen(f"http://localhost:{port}/moto-api/", timeout=10).read()
    print(f"ready {port}", flush=True)
    stopped.wait()
    for s in servers:
        s.shutdown()
        s.server_close()


if __name__ == "__main__":
    main()
