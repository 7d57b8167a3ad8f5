using KeypointML.Data;
using KeypointML.Models;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// The dataset a model is measured on when none is named (report, bench): the held-out part of the data it was
/// trained on. The training data recorded in the model's metadata decides (<c>imm-train...</c> -> <c>imm-val</c>,
/// persons 33-40; <c>ibug-...</c> -> <c>ibug-test</c>, the 337 faces of the iBUG 300-W test XML); when it names
/// neither, the point count does (68 -> ibug-test, 58 -> imm-val).
/// </summary>
public static class EvaluationSets
{
    /// <summary>The dataset spec, or null when the model's points belong to no known dataset.</summary>
    public static string? For(KeypointModelMetadata model)
    {
        var trainedOn = model.TrainingData.TrimStart();
        if (trainedOn.StartsWith("imm", StringComparison.OrdinalIgnoreCase)) return KeypointDatasets.ImmValidation;
        if (trainedOn.StartsWith("ibug", StringComparison.OrdinalIgnoreCase)) return KeypointDatasets.IbugTest;
        return model.KeypointCount switch
        {
            IbugXmlReader.PointCount => KeypointDatasets.IbugTest,
            ImmFaceDatabase.PointCount => KeypointDatasets.ImmValidation,
            _ => null,
        };
    }

    /// <summary>As <see cref="For"/>, but a model of unknown points is a user mistake that asks for <c>--data</c>.</summary>
    public static string Require(KeypointModelMetadata model, string modelPath) =>
        For(model) ?? throw new ArgumentException($"{modelPath}: cannot tell which dataset its {model.KeypointCount} point(s) belong to; name one with --data.");
}
