"""The resource types moto 5.2.1's CloudFormation does not create, each with the reason: the deploy suite reports
them as not emulated, never as checked."""

NOT_EMULATED = {
    "AWS::CDK::Metadata": "CDK's usage record: no AWS API, nothing to check",
    "AWS::S3::BucketPolicy": "moto's CloudFormation does not model it: the bucket policy is not applied",
    "AWS::SNS::TopicPolicy": "moto's CloudFormation does not model it: the topic policy is not applied",
    "AWS::SQS::QueuePolicy": "moto's CloudFormation does not model it: the queue policy is not applied",
    "AWS::CloudWatch::Alarm": "moto's CloudFormation does not model it: no alarm is created",
    "AWS::CloudWatch::CompositeAlarm": "moto's CloudFormation does not model it: no health alarm is created",
    "AWS::CodeDeploy::Application": "moto has no CodeDeploy: no application; an alias moves at once, as AllAtOnce",
    "AWS::CodeDeploy::DeploymentGroup": "moto has no CodeDeploy: no deployment group, no canary, no alarm rollback",
    "AWS::ApiGatewayV2::Api": "moto's CloudFormation does not model API Gateway v2: no HTTP API (Ref is a placeholder)",
    "AWS::ApiGatewayV2::Integration": "moto's CloudFormation does not model API Gateway v2",
    "AWS::ApiGatewayV2::Route": "moto's CloudFormation does not model API Gateway v2",
    "AWS::ApiGatewayV2::Stage": "moto's CloudFormation does not model API Gateway v2",
    "AWS::Scheduler::Schedule": "moto's CloudFormation does not model EventBridge Scheduler: no schedule is created",
    "AWS::Lambda::EventInvokeConfig": "moto's CloudFormation does not model it: no on-failure destination is set",
}
