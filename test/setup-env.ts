process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
