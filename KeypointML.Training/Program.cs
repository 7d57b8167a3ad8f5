using KeypointML.Training.Cli;

return CliApp.Run(args);
