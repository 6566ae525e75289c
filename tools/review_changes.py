"""The change review before an approval: what a release changes in each stack, in the words of a reviewer.

The pipeline's ReviewChanges step runs the pinned CDK CLI's ``cdk diff`` of every stack of an environment against
what is deployed there, then this script over that diff's text and the cloud assembly it compared (the new
templates). It sorts every change of every stack into the classes an approver weighs:

- **routine**: code versions moved (a function's ``AWS::Lambda::Version`` replaced by the next, the alarms created
  for its release with it) and layer versions published (a retained ``AWS::Lambda::LayerVersion`` replaced);
- **permissions broadened**: an IAM statement, resource policy (``AWS::Lambda::Permission``, a queue's, a topic's,
  a key's ...) or managed policy added, a security-group rule added, as the CLI's own security diff lists them; and
  a public route, an HTTP route added or changed to no authorization (``AuthorizationType`` ``NONE``);
- **stateful resources replaced or deleted** (destructive): a table, queue, topic, key, log group, bucket (or another
  type of :data:`STATEFUL`) replaced, possibly replaced, deleted or removed from the stack;
- **other replaced or deleted**: any other resource replaced or deleted, and any diff line it cannot read.

Routine version churn never reads as destructive; a replaced table always does. It prints the review of every stack
to the build's log, and writes a one-paragraph summary (at most :data:`MAX_SUMMARY` characters) for the approval's
comment to ``--summary-file``. Python's standard library only, as on the CodeBuild image.

    python3 tools/review_changes.py --diff diff.txt --assembly cdk.out --cli-broadening yes|no --summary-file s.txt

``--cli-broadening`` is the CLI's own verdict over all stacks (``cdk diff --security-only --fail-on broadening``):
where it finds broadened permissions that no stack's table showed, the summary says so all the same.
"""

import argparse
import json
import os
import re
import sys

#: Types whose replacement or deletion loses data or breaks what holds a reference to them.
STATEFUL = {
    "AWS::DynamoDB::Table": "DynamoDB table",
    "AWS::DynamoDB::GlobalTable": "DynamoDB global table",
    "AWS::SQS::Queue": "SQS queue",
    "AWS::SNS::Topic": "SNS topic",
    "AWS::KMS::Key": "KMS key",
    "AWS::Logs::LogGroup": "log group",
    "AWS::S3::Bucket": "S3 bucket",
    "AWS::RDS::DBCluster": "RDS cluster",
    "AWS::RDS::DBInstance": "RDS instance",
    "AWS::EFS::FileSystem": "EFS file system",
    "AWS::EC2::Volume": "EBS volume",
    "AWS::Kinesis::Stream": "Kinesis stream",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::Cognito::UserPool": "Cognito user pool",
}
#: Types that move to a new resource with every release: removed and added in pairs whose logical ids differ only by
#: the trailing hash of the version (aws-cdk-lib's ``currentVersion``; this project's release alarms).
VERSIONED = {"AWS::Lambda::Version": "code version", "AWS::CloudWatch::Alarm": "release alarm"}
#: Routes whose ``AuthorizationType`` ``NONE`` lets anyone call them.
ROUTES = {"AWS::ApiGatewayV2::Route", "AWS::ApiGateway::Method"}
#: The approval's comment carries the summary; CodePipeline allows an action's settings 1000 characters.
MAX_SUMMARY = 600

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STACK_HEADER = re.compile(r"^Stack (\S+)(?: \(([A-Za-z][A-Za-z0-9-]*)\))?(?: \(aws://[^)]*\))?\s*$")
RESOURCE_LINE = re.compile(r"^\[([-+~\u2190])\] (\S+) (.+)$")
IMPACTS = ("may be replaced", "replace", "destroy", "orphan", "import")
#: What the CLI warns of as it reads a stack: the lookup role refused, it reads through the deploy role instead.
CLI_WARNINGS = ("Could not assume role in target account",)
VERSION_HASH = re.compile(r"[0-9a-f]{32}$")
TOKEN = re.compile(r"\$\{([^}]+)\}")
SECURITY_TABLES = (
    "IAM Statement Changes",
    "IAM Policy Changes",
    "IAM Identity Center Changes",
    "Security Group Changes",
)
SECTIONS = ("Parameters", "Metadata", "Mappings", "Conditions", "Resources", "Outputs", "Other Changes")
#: What a replaced or removed resource's impact means to a reviewer.
WHAT = {"replace": "REPLACED", "may be replaced": "MAY BE REPLACED", "orphan": "removed from the stack (retained)"}


class StackDiff:
    """One stack's section of the diff: its resource changes and the rows of its security tables."""

    def __init__(self, path, name):
        self.path = path
        self.name = name or path
        self.resources = []  # dicts: op, type, logical_id, path, impact, details
        self.security_rows = []  # (table, cells)
        self.unreadable = []
        self.warnings = []  # what the CLI warned of while it read this stack's deployed template


def parse_diff(text):
    """The stacks of a ``cdk diff`` output, in order; lines outside a stack's section (warnings, totals) are skipped."""
    stacks, stack, section, table, header, warnings = [], None, None, None, None, []
    for raw in ANSI.sub("", text).splitlines():
        line = raw.rstrip()
        match = STACK_HEADER.match(line)
        if match:
            stack = StackDiff(match.group(1), match.group(2))
            stack.warnings, warnings = warnings, []
            stacks.append(stack)
            section = table = None
            continue
        if line.startswith(CLI_WARNINGS):
            # Printed while the CLI reads the next stack's deployed template; its indented lines go with it.
            warnings.append(line)
            section = table = None
            continue
        if warnings and line.startswith(" ") and section is None:
            warnings[-1] += " " + line.strip()
            continue
        if stack is None or not line or line.startswith("\u2728"):
            continue
        if line in SECTIONS or line in SECURITY_TABLES:
            section, table, header = line, (line if line in SECURITY_TABLES else None), None
            continue
        if table and line.startswith("\u2502"):
            cells = [c.strip() for c in line.strip("\u2502").split("\u2502")]
            if header is None:
                header = cells
            elif cells[0] in ("+", "-"):
                stack.security_rows.append((table, dict(zip(header, cells))))
            elif stack.security_rows and stack.security_rows[-1][0] == table:
                row = stack.security_rows[-1][1]
                for key, value in zip(header, cells):
                    if value:
                        row[key] = f"{row.get(key, '')}\n{value}".strip()
            continue
        if table or line.startswith("(NOTE:") or line == "There were no differences":
            continue
        if section == "Resources":
            match = RESOURCE_LINE.match(line)
            if match:
                stack.resources.append(resource_change(*match.groups()))
            elif line.startswith(" ") and stack.resources:
                stack.resources[-1]["details"].append(line)
            else:
                stack.unreadable.append(line)
    return stacks


def resource_change(op, resource_type, rest):
    rest = re.sub(r"\s*\(OR move .*\)$", "", rest)
    impact = next((i for i in IMPACTS if rest == i or rest.endswith(" " + i)), "")
    words = rest[: len(rest) - len(impact)].split()
    logical_id = words[-1] if words else rest
    path = words[-2] if len(words) > 1 else ""
    return {"op": op, "type": resource_type, "logical_id": logical_id, "path": path, "impact": impact, "details": []}


def load_templates(assembly):
    """The new templates of the cloud assembly and its nested assemblies (the stages), by stack name."""
    templates = {}

    def walk(directory):
        with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        for artifact_id, artifact in manifest.get("artifacts", {}).items():
            props = artifact.get("properties", {})
            if artifact.get("type") == "cdk:cloud-assembly":
                walk(os.path.join(directory, props["directoryName"]))
            elif artifact.get("type") == "aws:cloudformation:stack":
                with open(os.path.join(directory, props["templateFile"]), encoding="utf-8") as f:
                    template = json.load(f)
                templates[props.get("stackName", artifact_id)] = template
                templates.setdefault(artifact.get("displayName", artifact_id), template)

    walk(assembly)
    return templates


def inside(path, stack):
    """A construct path's components below the stack (the CLI prints them from the stage, or the app, down)."""
    parts, own = path.split("/"), stack.path.split("/")
    for start in range(len(own)):
        if parts[: len(own) - start] == own[start:]:
            return parts[len(own) - start :]
    return parts


def readable(change, stack):
    """A resource as a reviewer names it: its construct path inside the stack, else its logical id."""
    if not change["path"]:
        return VERSION_HASH.sub("", change["logical_id"])
    parts = inside(change["path"], stack)
    while len(parts) > 1 and parts[-1] in ("Resource", "Default", "CurrentVersion", "Function"):
        parts = parts[:-1]
    return "/".join(parts)


def shorten(text, stack):
    """``AWS:${Stage/Stack/Fn/Role}`` -> ``Fn/Role``; ``${Stage/Stack/Table.Arn}`` -> ``Table``: the CLI's tokens."""
    short = lambda m: "/".join(inside(re.sub(r"\.[A-Za-z]+$", "", m.group(1)), stack))  # noqa: E731
    return re.sub(r"^AWS:", "", TOKEN.sub(short, text))


def canonical(text, stack):
    """A token as a key that its two forms in the CLI's tables share: a path (``${Stage/Stack/Http/Api}``) and a
    logical id (``${HttpApi4E1D4184}``) both become ``HttpApi``, as aws-cdk-lib derives the one from the other."""

    def key(match):
        inner = re.sub(r"\.[A-Za-z]+$", "", match.group(1))
        if "/" not in inner:
            return "{" + re.sub(r"[0-9A-F]{8}$", "", inner) + "}"
        parts = [p for p in inside(inner, stack) if p not in ("Resource", "Default")]
        return "{" + re.sub(r"[^A-Za-z0-9]", "", "".join(parts)) + "}"

    return TOKEN.sub(key, text)


def kind(resource_type):
    return STATEFUL.get(resource_type) or resource_type.replace("AWS::", "")


def classify(stack, template):
    """The stack's review: lists of reviewer phrases under routine, broadens, destructive, other, and counts."""
    review = {key: [] for key in ("routine", "broadens", "destructive", "other", "narrowed", "added", "updated")}
    review["cli_counted"] = 0
    resources = (template or {}).get("Resources", {})
    added = {}
    for change in stack.resources:
        if change["op"] == "+" and change["type"] in VERSIONED:
            added.setdefault((change["type"], VERSION_HASH.sub("", change["logical_id"])), []).append(change)
    moved = set()
    for change in stack.resources:
        key = (change["type"], VERSION_HASH.sub("", change["logical_id"]))
        if change["op"] == "-" and VERSION_HASH.search(change["logical_id"]) and added.get(key):
            successor = added[key].pop(0)
            moved.update((id(change), id(successor)))
            if change["type"] == "AWS::Lambda::Version":
                review["routine"].append(f"code version moved: {readable(successor, stack)}")
            else:
                review["routine"].append(f"{VERSIONED[change['type']]} renewed: {readable(successor, stack)}")
    for change in stack.resources:
        if id(change) in moved:
            continue
        op, impact, name = change["op"], change["impact"], readable(change, stack)
        new = resources.get(change["logical_id"], {})
        if change["type"] in ROUTES and op != "-" and opens_route(change, new):
            props = new.get("Properties", {})
            route = props.get("RouteKey") or f"{props.get('HttpMethod', '?')} {name}"
            review["broadens"].append(f"public route {route} (authorization NONE)")
            if op == "+" or not impact:
                continue
        if change["type"] == "AWS::Lambda::LayerVersion" and op == "~" and impact == "replace":
            review["routine"].append(f"layer version published: {new.get('Properties', {}).get('LayerName', name)}")
        elif op == "-" or impact in ("replace", "may be replaced"):
            group = "destructive" if change["type"] in STATEFUL else "other"
            review[group].append(f"{kind(change['type'])} {name} {WHAT.get(impact, 'DELETED')}")
        elif op in ("+", "~"):
            review["added" if op == "+" else "updated"].append(f"{kind(change['type'])} {name}")
        else:
            review["other"].append(f"{kind(change['type'])} {name} imported")
    removed = [row for table, row in stack.security_rows if table == "IAM Statement Changes" and row.get("") == "-"]
    for table, row in stack.security_rows:
        if not broadening(table, row):
            continue
        review["cli_counted"] += 1
        if row.get("") == "+" and table == "IAM Statement Changes" and any(covers(old, row, stack) for old in removed):
            review["narrowed"].append(describe_row(table, row, stack))
        else:
            review["broadens"].append(describe_row(table, row, stack))
    review["other"].extend(f"unreadable diff line: {line.strip()}" for line in stack.unreadable)
    return review


def opens_route(change, new):
    """Whether a route added, or changed in its authorization, is now callable by anyone."""
    if new.get("Properties", {}).get("AuthorizationType") != "NONE":
        return False
    return change["op"] == "+" or any("AuthorizationType" in line for line in change["details"])


def broadening(table, row):
    """As the CLI counts broadened permissions: an added Allow (or any added policy, rule), a removed Deny."""
    sign, effect = row.get("", ""), row.get("Effect", "")
    if table == "IAM Statement Changes":
        return (sign == "+" and effect != "Deny") or (sign == "-" and effect == "Deny")
    return sign == "+"


def lines(row, key, stack):
    return {canonical(line, stack) for line in (row.get(key) or "").split("\n") if line}


def covers(old, new, stack):
    """Whether a removed statement allowed all an added one does: the CLI lists a narrowed statement as both."""
    same = all(lines(old, key, stack) == lines(new, key, stack) for key in ("Effect", "Principal", "Condition"))
    return same and all(lines(new, key, stack) <= lines(old, key, stack) for key in ("Action", "Resource"))


def describe_row(table, row, stack):
    first = lambda key: shorten((row.get(key) or "?").split("\n")[0], stack)  # noqa: E731
    if table == "IAM Statement Changes":
        actions = [a for a in (row.get("Action") or "").split("\n") if a]
        more = f" (+{len(actions) - 1} more)" if len(actions) > 1 else ""
        return f"{first('Principal')} may {actions[0] if actions else '?'}{more} on {first('Resource')}"
    if table == "IAM Policy Changes":
        return f"{first('Resource')} gets managed policy {first('Managed Policy ARN')}"
    if table == "Security Group Changes":
        return f"security group {first('Group')} opens {first('Dir')} {first('Protocol')} to {first('Peer')}"
    return f"{table}: {' '.join(shorten(v, stack) for k, v in row.items() if k)}"


def stack_phrase(stack, review, detailed=True):
    """One stack's line in the summary."""
    parts = []
    for key, label in (("destructive", "STATEFUL RESOURCES REPLACED OR DELETED"),
                       ("broadens", "PERMISSIONS BROADENED"), ("other", "OTHER RESOURCES REPLACED OR DELETED")):
        if review[key]:
            parts.append(f"{label}: {'; '.join(review[key])}" if detailed else label)
    for label, prefix in (("code versions moved", "code version moved: "),
                          ("layer versions published", "layer version published: ")):
        names = [p[len(prefix) :] for p in review["routine"] if p.startswith(prefix)]
        if names:
            parts.append(f"{label} ({', '.join(names)})" if detailed else label)
    # In-place updates and additions are no risk class: named only where the stack has nothing else to say.
    counts = [
        f"{n} resource{'s' if n != 1 else ''} {what}"
        for n, what in ((len(review["added"]), "added"), (len(review["updated"]), "updated in place"))
        if n
    ]
    if counts and not parts:
        parts.append(" and ".join(counts))
    return f"{stack.name}: {'; '.join(parts) if parts else 'no change'}."


def summarize(stacks, reviews, cli_broadening):
    flagged = {key for review in reviews for key in ("destructive", "broadens", "other") if review[key]}
    unplaced = cli_broadening and not any(review["cli_counted"] for review in reviews)
    if unplaced:
        flagged.add("broadens")
    if not flagged:
        moved = any(review["routine"] for review in reviews)
        changed = moved or any(review[key] for review in reviews for key in ("added", "updated", "narrowed"))
        headline = "ROUTINE: " + ("code and layer versions move; " if moved else "") + (
            "no permission is broadened, no resource is replaced or deleted.")
        headline = headline if changed else "NO CHANGE to deploy."
    else:
        words = {"destructive": "REPLACES OR DELETES STATEFUL RESOURCES (data)", "broadens": "BROADENS PERMISSIONS",
                 "other": "REPLACES OR DELETES OTHER RESOURCES"}
        headline = f"This release {' and '.join(words[k] for k in words if k in flagged)}."
    if unplaced:
        headline += " (The CLI's security diff reports broadened permissions no stack's table showed: read the diff.)"
    changed = [(s, r) for s, r in zip(stacks, reviews) if stack_phrase(s, r) != f"{s.name}: no change."]
    unchanged = [s.name for s, r in zip(stacks, reviews) if (s, r) not in changed]
    tail = f" Unchanged: {', '.join(unchanged)}." if unchanged else ""
    for detailed in (True, False):
        summary = " ".join([headline, *(stack_phrase(s, r, detailed) for s, r in changed)]) + tail
        if len(summary) <= MAX_SUMMARY:
            return summary
    names = ", ".join(s.name for s, _ in changed)
    summary = f"{headline} Changed: {names}. The review in the log has each stack."
    return summary if len(summary) <= MAX_SUMMARY else f"{headline} {len(changed)} stacks change: the log has each."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--diff", required=True, help="the text cdk diff printed")
    parser.add_argument("--assembly", required=True, help="the cloud assembly it compared")
    parser.add_argument("--cli-broadening", choices=("yes", "no"), required=True)
    parser.add_argument("--summary-file", required=True)
    args = parser.parse_args(argv)
    with open(args.diff, encoding="utf-8") as f:
        stacks = parse_diff(f.read())
    if not stacks:
        print(f"review_changes: no 'Stack ...' section in {args.diff}: the diff failed or its format changed; "
              "read it above. Nothing is summed up, so nothing can be approved.", file=sys.stderr)
        return 1
    templates = load_templates(args.assembly)
    reviews = [classify(stack, templates.get(stack.name) or templates.get(stack.path)) for stack in stacks]
    print("Change review, per stack:")
    labels = (("destructive", "STATEFUL RESOURCE REPLACED OR DELETED"), ("broadens", "PERMISSIONS BROADENED"),
              ("other", "OTHER RESOURCE REPLACED OR DELETED"), ("routine", "routine"),
              ("narrowed", "permissions narrowed or restated (no broadening)"), ("added", "added"),
              ("updated", "updated in place"))
    for stack, review in zip(stacks, reviews):
        print(f"\n{stack.name}")
        for key, label in labels:
            for phrase in review[key]:
                print(f"  {label}: {phrase}")
        if not any(review[key] for key, _ in labels):
            print("  no change")
        for warning in stack.warnings:
            print(f"  the CLI warned, reading it: {warning}")
    summary = summarize(stacks, reviews, args.cli_broadening == "yes")
    with open(args.summary_file, "w", encoding="utf-8") as f:
        f.write(summary)
    print(f"\nSummary for the approval:\n{summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
