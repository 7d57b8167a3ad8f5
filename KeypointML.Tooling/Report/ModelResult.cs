using KeypointML.Evaluation;
using KeypointML.Tooling.Bench;

namespace KeypointML.Tooling.Report;

/// <summary>One model's line of the report and the pictures drawn for it (file names inside the report folder).</summary>
public sealed record ModelResult
{
    /// <summary>The model file's name, e.g. imm-nose.onnx.</summary>
    public required string File { get; init; }
    /// <summary>The model's name (metadata, else the file name).</summary>
    public required string Name { get; init; }
    /// <summary>Points, output, input size and crop; null when the file could not be read.</summary>
    public string? Description { get; init; }
    /// <summary>The dataset it was evaluated on (<see cref="Inference.EvaluationSets"/>).</summary>
    public string? EvaluationSet { get; init; }
    /// <summary>The metrics with the pipeline's default decoding (heatmaps: log-parabola).</summary>
    public KeypointMetrics? Metrics { get; init; }
    /// <summary>Heatmap models: the metrics with plain argmax decoding (the default is log-parabola); null for coordinate models.</summary>
    public KeypointMetrics? ArgmaxMetrics { get; init; }
    /// <summary>Each evaluated face's NME (the metrics' basis), for the cumulative error curve; empty when not measured.</summary>
    public IReadOnlyList<double> FaceNmes { get; init; } = [];
    public PipelineThroughput? Speed { get; init; }
    public string? BestPicture { get; init; }
    public string? WorstPicture { get; init; }
    public string? LossPicture { get; init; }
    /// <summary>Why there is no loss curve (no run folder, an unreadable losses.csv).</summary>
    public string? LossNote { get; init; }
    /// <summary>Why the model could not be measured, or null.</summary>
    public string? Problem { get; init; }
    /// <summary>Why faces of the evaluation set could not be scored (left out of the metrics); empty when all were.</summary>
    public IReadOnlyList<string> NotScored { get; init; } = [];
}
