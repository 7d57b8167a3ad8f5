using KeypointML.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace KeypointML.Transforms;

/// <summary>
/// 68 points -> head pose and eye and mouth openness, as columns: <c>Yaw</c>, <c>Pitch</c>, <c>Roll</c> (degrees,
/// <see cref="HeadPose"/>) and <c>EyeRight</c>, <c>EyeLeft</c>, <c>Mouth</c> (aspect ratios, <see cref="FaceOpenness"/>).
/// Reads the <c>Keypoints</c> column (136 values) and the <c>ImageSize</c> column (width, height; the pose's camera), which
/// <c>DetectKeypoints</c> writes. A row whose points are not 68 finite points gets NaN. Saveable with
/// <c>mlContext.Model.Save</c> (load with <c>mlContext.RegisterKeypointComponents()</c> first).
/// </summary>
public sealed class FaceAnalyzingEstimator : IEstimator<FaceAnalyzingTransformer>
{
    internal const string Component = "AnalyzeFaces";
    private readonly TransformsCatalog _catalog;

    internal FaceAnalyzingEstimator(TransformsCatalog catalog) => _catalog = catalog;

    private CustomMappingEstimator<PointsRow, AnalysisRow> Mapping() =>
        _catalog.CustomMapping(AnalysisFactory.Mapping, AnalysisFactory.ContractName);

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        Check(inputSchema);
        return Mapping().GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public FaceAnalyzingTransformer Fit(IDataView input)
    {
        FaceAnalyzingTransformer.Check(input.Schema);
        return new FaceAnalyzingTransformer(Mapping().Fit(input));
    }

    private static void Check(SchemaShape schema)
    {
        SchemaChecks.CheckFloatVector(schema, KeypointColumns.Keypoints, Component, 0, "68 predicted points (136 values)");
        SchemaChecks.CheckFloatVector(schema, KeypointColumns.ImageSize, Component, 0, "image width and height");
    }

    internal sealed class PointsRow
    {
        [ColumnName(KeypointColumns.Keypoints)] public float[] Keypoints { get; set; } = [];
        [ColumnName(KeypointColumns.ImageSize)] public float[] ImageSize { get; set; } = [];
    }

    internal sealed class AnalysisRow
    {
        public float Yaw { get; set; }
        public float Pitch { get; set; }
        public float Roll { get; set; }
        public float EyeRight { get; set; }
        public float EyeLeft { get; set; }
        public float Mouth { get; set; }
    }

    /// <summary>Persistence factory (found by contract name when a saved model is loaded).</summary>
    [CustomMappingFactoryAttribute(ContractName)]
    internal sealed class AnalysisFactory : CustomMappingFactory<PointsRow, AnalysisRow>
    {
        public const string ContractName = "KeypointML.AnalyzeFaces";
        public static readonly Action<PointsRow, AnalysisRow> Mapping = static (input, output) =>
        {
            var p = input.Keypoints;
            if (p.Length != 136 || !p.All(float.IsFinite) || input.ImageSize.Length != 2)
            {
                output.Yaw = output.Pitch = output.Roll = output.EyeRight = output.EyeLeft = output.Mouth = float.NaN;
                return;
            }
            var pose = HeadPose.Of(p, (int)input.ImageSize[0], (int)input.ImageSize[1]);
            var open = FaceOpenness.Of(p);
            (output.Yaw, output.Pitch, output.Roll) = (pose.Yaw, pose.Pitch, pose.Roll);
            (output.EyeRight, output.EyeLeft, output.Mouth) = (open.RightEye, open.LeftEye, open.Mouth);
        };
        public override Action<PointsRow, AnalysisRow> GetMapping() => Mapping;
    }
}

/// <summary>The fitted face analysis; see <see cref="FaceAnalyzingEstimator"/>.</summary>
public sealed class FaceAnalyzingTransformer : ComposedTransformer
{
    internal FaceAnalyzingTransformer(ITransformer inner) : base(inner)
    {
    }

    internal static void Check(DataViewSchema schema)
    {
        SchemaChecks.CheckFloatVector(schema, KeypointColumns.Keypoints, FaceAnalyzingEstimator.Component, 0, "68 predicted points (136 values)");
        SchemaChecks.CheckFloatVector(schema, KeypointColumns.ImageSize, FaceAnalyzingEstimator.Component, 0, "image width and height");
    }

    private protected override void CheckInputSchema(DataViewSchema inputSchema) => Check(inputSchema);
}
