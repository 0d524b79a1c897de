import CrossCheckCLI

CrossCheckCommand.main()
