"""Tests of the change review's reading of ``cdk diff`` text: the cases the real diffs of the jest suite
(test/change-review-diffs.test.ts) do not reach. The diff fragments are the pinned CLI's output, as printed."""

import json
import os
import tempfile
import unittest

import review_changes as rc

HEADER = "Stack PipelineStack/Prod-Functions-Orders/Orders (Prod-Functions-Orders)"
TABLE_TOP = "\u250c\u2500\u2500\u2500\u252c\u2500\u2500\u2510"


def row(*cells):
    return "\u2502 " + " \u2502 ".join(cells) + " \u2502"


def statements(*rows):
    note = ("(NOTE: There may be security-related changes not in this list. "
            "See https://github.com/aws/aws-cdk/issues/1299)")
    return ["IAM Statement Changes", TABLE_TOP, row("", "Resource", "Effect", "Action", "Principal", "Condition"),
            *rows, note, ""]


def review_of(*lines, template=None):
    [stack] = rc.parse_diff("\n".join([HEADER, *lines]))
    return stack, rc.classify(stack, template or {"Resources": {}})


class ParseTest(unittest.TestCase):
    def test_stack_headers_with_and_without_a_name_or_an_environment_colours_and_noise_around_them(self):
        text = "\n".join([
            "WARNING Layer \"common\" is not built (Annotation)",
            "Stack \x1b[1mPipelineStack/Prod-Layers/SharedLayers (Prod-Layers-SharedLayers)\x1b[22m",
            "There were no differences",
            "\u2728  Number of stacks with differences: 0",
            "Stack Standalone (aws://333333333333/eu-west-1)",
            "Resources",
            "[+] AWS::SQS::Queue Standalone/Queue QueueABCD1234",
        ])
        stacks = rc.parse_diff(text)
        self.assertEqual([(s.path, s.name) for s in stacks],
                         [("PipelineStack/Prod-Layers/SharedLayers", "Prod-Layers-SharedLayers"),
                          ("Standalone", "Standalone")])
        self.assertEqual(stacks[1].resources[0]["logical_id"], "QueueABCD1234")

    def test_resource_lines_with_and_without_a_path_an_impact_or_a_move(self):
        _, review = review_of(
            "Resources",
            "[-] AWS::Lambda::Function PriceOrderFunction7DBEAE96 destroy",
            "[~] AWS::Lambda::Permission Prod-Functions-Orders/Orders/Http/Perm PermABCD1234 replace",
            "[-] AWS::Logs::LogGroup PriceOrderLogs91EFE241 orphan",
            "[~] AWS::SQS::Queue Prod-Functions-Orders/Orders/Q/Resource QABCD1234 may be replaced",
            "[-] AWS::S3::Bucket BucketABCD1234 destroy (OR move to Other.BucketABCD1234 via refactoring)",
        )
        self.assertEqual(review["other"], ["Lambda::Function PriceOrderFunction7DBEAE96 DELETED",
                                           "Lambda::Permission Http/Perm REPLACED"])
        self.assertEqual(review["destructive"], ["log group PriceOrderLogs91EFE241 removed from the stack (retained)",
                                                 "SQS queue Q MAY BE REPLACED", "S3 bucket BucketABCD1234 DELETED"])

    def test_a_warning_the_cli_prints_while_reading_a_stack_goes_with_that_stack_not_into_its_diff(self):
        text = "\n".join([
            HEADER, "Resources", "[+] AWS::SQS::Queue Prod-Functions-Orders/Orders/Q QABCD1234", "",
            "Could not assume role in target account using current credentials (which are for account 111111111111)"
            " User: x is not authorized to perform: sts:AssumeRole",
            "  on resource: y . Please make sure that this role exists in the account.",
            "Stack PipelineStack/Prod-Functions-Reports/Reports (Prod-Functions-Reports)",
            "There were no differences",
        ])
        orders, reports = rc.parse_diff(text)
        self.assertEqual((orders.unreadable, orders.warnings), ([], []))
        self.assertEqual(len(orders.resources), 1)
        self.assertEqual(reports.warnings, [
            "Could not assume role in target account using current credentials (which are for account 111111111111)"
            " User: x is not authorized to perform: sts:AssumeRole on resource: y . Please make sure that this role"
            " exists in the account."])

    def test_a_line_it_cannot_read_is_never_routine(self):
        _, review = review_of("Resources", "Something the CLI never printed before")
        self.assertEqual(review["other"], ["unreadable diff line: Something the CLI never printed before"])


class ClassifyTest(unittest.TestCase):
    def test_versions_pair_by_the_id_before_their_hash_and_only_a_pair_is_routine(self):
        _, review = review_of(
            "Resources",
            "[-] AWS::Lambda::Version PriceOrderFunctionCurrentVersionC0AE9A6C8c725f2f0bbe9d1b5ec51eaaf49f9c3b destroy",
            "[-] AWS::Lambda::Version GoneFunctionCurrentVersionABCDEF12aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa destroy",
            "[+] AWS::Lambda::Version Prod-Functions-Orders/Orders/PriceOrder/Function/CurrentVersion "
            "PriceOrderFunctionCurrentVersionC0AE9A6Ce1b34e34b350ffc080d932d9b343b0f9",
            "[-] AWS::CloudWatch::Alarm PriceOrderLiveReleaseErrors1AB4C46Cafe9525bbacdced66a8266898e24473d destroy",
            "[+] AWS::CloudWatch::Alarm Prod-Functions-Orders/Orders/PriceOrder/Live/ReleaseErrors "
            "PriceOrderLiveReleaseErrors1AB4C46C98fb79d4b93a8622c99d3dc9e4965096",
            "[-] AWS::CloudWatch::Alarm SomeAlarmABCD1234 destroy",
        )
        self.assertEqual(review["routine"], ["code version moved: PriceOrder",
                                             "release alarm renewed: PriceOrder/Live/ReleaseErrors"])
        self.assertEqual(review["other"], ["Lambda::Version GoneFunctionCurrentVersionABCDEF12 DELETED",
                                           "CloudWatch::Alarm SomeAlarmABCD1234 DELETED"])
        self.assertEqual(review["destructive"], [])

    def test_a_layer_version_replaced_is_routine_a_layer_removed_is_not(self):
        template = {"Resources": {"DomainVersion698BDEB6": {"Properties": {"LayerName": "orders-prod-domain"}}}}
        _, review = review_of(
            "Resources",
            "[~] AWS::Lambda::LayerVersion Prod-Layers/SharedLayers/Domain/Version DomainVersion698BDEB6 replace",
            " \u251c\u2500 [~] Content (requires replacement)",
            "[-] AWS::Lambda::LayerVersion CommonVersion11111111 orphan",
            template=template,
        )
        self.assertEqual(review["routine"], ["layer version published: orders-prod-domain"])
        self.assertEqual(review["other"],
                         ["Lambda::LayerVersion CommonVersion11111111 removed from the stack (retained)"])

    def test_routes_opened_to_anyone_added_or_changed_but_not_other_changes_of_a_public_route(self):
        template = {"Resources": {
            "RouteA": {"Properties": {"RouteKey": "GET /a", "AuthorizationType": "NONE"}},
            "RouteB": {"Properties": {"RouteKey": "GET /b", "AuthorizationType": "NONE"}},
            "RouteC": {"Properties": {"RouteKey": "GET /c", "AuthorizationType": "NONE"}},
            "RouteD": {"Properties": {"RouteKey": "GET /d", "AuthorizationType": "AWS_IAM"}},
        }}
        _, review = review_of(
            "Resources",
            "[+] AWS::ApiGatewayV2::Route Prod-Functions-Orders/Orders/Http/A RouteA",
            "[~] AWS::ApiGatewayV2::Route Prod-Functions-Orders/Orders/Http/B RouteB",
            " \u2514\u2500 [~] AuthorizationType",
            "[~] AWS::ApiGatewayV2::Route Prod-Functions-Orders/Orders/Http/C RouteC",
            " \u2514\u2500 [~] Target",
            "[+] AWS::ApiGatewayV2::Route Prod-Functions-Orders/Orders/Http/D RouteD",
            template=template,
        )
        self.assertEqual(review["broadens"], ["public route GET /a (authorization NONE)",
                                              "public route GET /b (authorization NONE)"])
        self.assertEqual(review["updated"], ["ApiGatewayV2::Route Http/C"])
        self.assertEqual(review["added"], ["ApiGatewayV2::Route Http/D"])

    def test_security_rows_as_the_cli_counts_them_less_those_a_removed_statement_covered(self):
        _, review = review_of(*statements(
            row("-", "${Prod-Functions-Orders/Orders/T.Arn}", "Allow", "s3:GetObject", "AWS:${HttpApi4E1D4184}", ""),
            row("", "${TB1C2D3E4.Arn}", "", "s3:PutObject", "", ""),
            row("+", "${Prod-Functions-Orders/Orders/T.Arn}", "Allow", "s3:GetObject",
                "AWS:${Prod-Functions-Orders/Orders/Http/Api}", ""),
            row("+", "*", "Allow", "kms:Decrypt", "AWS:${Prod-Functions-Orders/Orders/Fn/Role}", ""),
            row("+", "*", "Deny", "s3:*", "*", ""),
            row("-", "*", "Deny", "iam:*", "*", ""),
        ))
        self.assertEqual(review["narrowed"], ["Http/Api may s3:GetObject on T"])
        self.assertEqual(review["broadens"], ["Fn/Role may kms:Decrypt on *", "* may iam:* on *"])
        self.assertEqual(review["cli_counted"], 3)

    def test_managed_policies_and_security_group_rules_added_broaden(self):
        _, review = review_of(
            "IAM Policy Changes", TABLE_TOP, row("", "Resource", "Managed Policy ARN"),
            row("+", "${Prod-Functions-Orders/Orders/Fn/Role}", "arn:aws:iam::aws:policy/AdministratorAccess"),
            "Security Group Changes", TABLE_TOP, row("", "Group", "Dir", "Protocol", "Peer"),
            row("+", "${Sg.GroupId}", "In", "TCP 22", "Everyone (IPv4)"),
        )
        self.assertEqual(review["broadens"], [
            "Fn/Role gets managed policy arn:aws:iam::aws:policy/AdministratorAccess",
            "security group Sg opens In TCP 22 to Everyone (IPv4)",
        ])


class SummaryTest(unittest.TestCase):
    def summary(self, *lines, cli_broadening=False):
        stack, review = review_of(*lines)
        return rc.summarize([stack], [review], cli_broadening)

    def test_no_change_and_in_place_updates_only(self):
        self.assertEqual(self.summary("There were no differences"),
                         "NO CHANGE to deploy. Unchanged: Prod-Functions-Orders.")
        self.assertEqual(
            self.summary("Resources", "[~] AWS::CloudWatch::Alarm P/Alarm AlarmABCD1234"),
            "ROUTINE: no permission is broadened, no resource is replaced or deleted. "
            "Prod-Functions-Orders: 1 resource updated in place.",
        )

    def test_the_cli_s_verdict_is_never_lost(self):
        self.assertIn("no stack's table showed", self.summary("There were no differences", cli_broadening=True))
        self.assertTrue(self.summary("There were no differences", cli_broadening=True)
                        .startswith("This release BROADENS PERMISSIONS."))

    def test_a_long_review_is_cut_to_what_the_approval_holds_classes_first(self):
        lines = ["Resources"] + [f"[-] AWS::DynamoDB::Table Table{i:04d}ABCDEFGH destroy" for i in range(60)]
        summary = self.summary(*lines)
        self.assertLessEqual(len(summary), rc.MAX_SUMMARY)
        self.assertEqual(summary, "This release REPLACES OR DELETES STATEFUL RESOURCES (data). Prod-Functions-Orders: "
                                  "STATEFUL RESOURCES REPLACED OR DELETED.")


class MainTest(unittest.TestCase):
    def test_reads_the_nested_assembly_prints_each_stack_and_writes_the_summary(self):
        with tempfile.TemporaryDirectory() as root:
            nested = os.path.join(root, "assembly-Stage")
            os.makedirs(nested)
            with open(os.path.join(root, "manifest.json"), "w", encoding="utf-8") as f:
                json.dump({"artifacts": {"assembly-Stage": {"type": "cdk:cloud-assembly",
                                                            "properties": {"directoryName": "assembly-Stage"}}}}, f)
            with open(os.path.join(nested, "manifest.json"), "w", encoding="utf-8") as f:
                json.dump({"artifacts": {"S": {"type": "aws:cloudformation:stack", "displayName": "P/Stage/S",
                                               "properties": {"templateFile": "S.json", "stackName": "Stage-S"}}}}, f)
            with open(os.path.join(nested, "S.json"), "w", encoding="utf-8") as f:
                json.dump({"Resources": {"R": {"Properties": {"RouteKey": "GET /", "AuthorizationType": "NONE"}}}}, f)
            diff = os.path.join(root, "diff.txt")
            with open(diff, "w", encoding="utf-8") as f:
                f.write("Stack P/Stage/S (Stage-S)\nResources\n[+] AWS::ApiGatewayV2::Route Stage/S/Route R\n")
            out = os.path.join(root, "summary.txt")
            args = ["--diff", diff, "--assembly", root, "--cli-broadening", "no", "--summary-file", out]
            self.assertEqual(rc.main(args), 0)
            with open(out, encoding="utf-8") as f:
                self.assertEqual(f.read(), "This release BROADENS PERMISSIONS. Stage-S: PERMISSIONS BROADENED: "
                                           "public route GET / (authorization NONE).")

    def test_a_diff_without_a_stack_sums_nothing_up(self):
        with tempfile.TemporaryDirectory() as root:
            diff = os.path.join(root, "diff.txt")
            with open(diff, "w", encoding="utf-8") as f:
                f.write("Unable to resolve AWS account to use.\n")
            out = os.path.join(root, "summary.txt")
            args = ["--diff", diff, "--assembly", root, "--cli-broadening", "no", "--summary-file", out]
            self.assertEqual(rc.main(args), 1)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
