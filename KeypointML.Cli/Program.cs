using KeypointML.Cli;

return CliApp.Run(args);
