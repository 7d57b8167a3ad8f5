using KeypointML.Training.Cli;

return TrainingTool.Run(args);
