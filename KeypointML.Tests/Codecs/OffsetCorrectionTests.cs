using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Onnx;
using KeypointML.Transforms;

namespace KeypointML.Tests.Codecs;

/// <summary>The calibration offsets: measured on a model's training faces when it is shipped (per point, or one for all
/// points), kept in its metadata, and subtracted by every decoder, outside flip averaging.</summary>
public class OffsetCorrectionTests
{
    [Test]
    public void The_corrected_codec_subtracts_the_offset_from_every_point()
    {
        var codec = new OffsetCorrectedCodec(new CoordinateCodec(2), 0.01f, -0.02f);
        var points = new float[4];
        codec.Decode([0.5f, 0.5f, 0.25f, 0.75f], points, new float[2]);
        Assert.That(points, Is.EqualTo(new[] { 0.49f, 0.52f, 0.24f, 0.77f }).Within(1e-6f));
        Assert.That(OffsetCorrectedCodec.Wrap(new CoordinateCodec(2), CalibrationOffsets.None), Is.TypeOf<CoordinateCodec>(), "no offset, no wrapper");
        Assert.Throws<NotSupportedException>(() => codec.Encode(new float[4], new float[4]));
    }

    [Test]
    public void Per_point_offsets_correct_each_point_by_its_own()
    {
        var codec = new OffsetCorrectedCodec(new CoordinateCodec(2), CalibrationOffsets.PerPoint([0.01f, -0.02f, -0.03f, 0.04f]));
        var points = new float[4];
        codec.Decode([0.5f, 0.5f, 0.25f, 0.75f], points, new float[2]);
        Assert.That(points, Is.EqualTo(new[] { 0.49f, 0.52f, 0.28f, 0.71f }).Within(1e-6f));
        var e = Assert.Throws<ArgumentException>(() => new OffsetCorrectedCodec(new CoordinateCodec(3), CalibrationOffsets.PerPoint([0.01f, 0.02f, 0.03f, 0.04f])));
        Assert.That(e!.Message, Does.Contain("4 offset values").And.Contain("3 points"));

        // A recalibration adds a per-point residual to a uniform offset, point by point.
        var sum = CalibrationOffsets.Uniform(0.1f, 0.2f).Plus(CalibrationOffsets.PerPoint([0.01f, 0.02f, 0.03f, 0.04f]), 2);
        Assert.That(sum.Values.ToArray(), Is.EqualTo(new[] { 0.11f, 0.22f, 0.13f, 0.24f }).Within(1e-6f));
        Assert.That(sum.Mean.X, Is.EqualTo(0.12f).Within(1e-6f));
        Assert.That(sum.Mean.Y, Is.EqualTo(0.23f).Within(1e-6f));
    }

    [Test]
    public void A_calibrated_model_corrects_outside_flip_averaging_and_the_offsets_survive_a_saved_pipeline()
    {
        using var model = KeypointModel.Open(RepositoryFiles.Model("ibug68-fast"));
        Assert.That(model.Metadata.Offsets.IsNone, Is.False, "the shipped fast model is calibrated");
        var flipped = model.Codec(null, flipAveraging: true, shapePrior: false);   // the prior goes outside both (ShapePriorTests)
        // Outside: the mirror pass carries the same bias, so correcting inside would undo it in x for that half.
        Assert.That(flipped, Is.TypeOf<OffsetCorrectedCodec>());
        Assert.That(((OffsetCorrectedCodec)flipped).Inner, Is.TypeOf<FlipAveragingCodec>());
        Assert.That(((OffsetCorrectedCodec)flipped).Offsets, Is.EqualTo(model.Metadata.Offsets));

        var saved = CodecParameters.Write(flipped);
        Assert.That(saved, Has.Length.EqualTo(6 + model.Metadata.Offsets.Values.Length));
        var read = CodecParameters.Read(saved);
        Assert.That(read, Is.TypeOf<OffsetCorrectedCodec>());
        Assert.That(((OffsetCorrectedCodec)read).Inner, Is.TypeOf<FlipAveragingCodec>());
        Assert.That(((OffsetCorrectedCodec)read).Offsets, Is.EqualTo(model.Metadata.Offsets));
        Assert.That(CodecParameters.Write(read), Is.EqualTo(saved));
        Assert.That(CodecParameters.Read([1, 68, 56, 56, 3]), Is.TypeOf<HeatmapCodec>(), "pipelines saved before offsets existed still load");
        Assert.That(((OffsetCorrectedCodec)CodecParameters.Read([1, 68, 56, 56, 3, 0, 0.01f, -0.02f])).Offsets, Is.EqualTo(CalibrationOffsets.Uniform(0.01f, -0.02f)),
            "pipelines saved with one offset for all points still load");
        Assert.Throws<InvalidOperationException>(() => CodecParameters.Read([1, 68, 56, 56, 3, 0, 0.01f, -0.02f, 0.03f]));
    }

    [Test]
    public void Offsets_survive_the_metadata_and_older_readers_find_their_mean()
    {
        var perPoint = CalibrationOffsets.PerPoint([0.5f, -0.25f, 0.1f, 0.3f]);
        var meta = new KeypointModelMetadata { InputHeight = 8, InputWidth = 8, KeypointCount = 2, OutputKind = KeypointOutputKind.Coordinates, Offsets = perPoint };
        var props = meta.ToProperties().ToDictionary();
        Assert.That(KeypointModelMetadata.FromProperties(props, "m.onnx"), Is.EqualTo(meta));
        // Readers that know one offset find the mean.
        props.Remove(KeypointModelMetadata.KeyPrefix + "point_offsets");
        var (x, y) = KeypointModelMetadata.FromProperties(props, "m.onnx").Offsets[1];
        Assert.That(x, Is.EqualTo(0.3f).Within(1e-6f));
        Assert.That(y, Is.EqualTo(0.025f).Within(1e-6f));
    }

    [Test]
    public void A_bad_offset_in_the_metadata_names_the_file_and_the_key()
    {
        var props = new KeypointModelMetadata { InputHeight = 8, InputWidth = 8, KeypointCount = 2, OutputKind = KeypointOutputKind.Coordinates, Offsets = CalibrationOffsets.Uniform(0.5f, -0.25f) }
            .ToProperties().ToDictionary();
        Assert.That(KeypointModelMetadata.FromProperties(props, "m.onnx").Offsets, Is.EqualTo(CalibrationOffsets.Uniform(0.5f, -0.25f)));
        props[KeypointModelMetadata.KeyPrefix + "offset"] = "0.5;x";
        var e = Assert.Throws<InvalidDataException>(() => KeypointModelMetadata.FromProperties(props, "m.onnx"));
        Assert.That(e!.Message, Does.Contain("m.onnx").And.Contain("keypointml.offset").And.Contain("0.5;x"));

        props[KeypointModelMetadata.KeyPrefix + "offset"] = "0.5,0.1";
        props[KeypointModelMetadata.KeyPrefix + "point_offsets"] = "0.1,0.2,0.3";
        e = Assert.Throws<InvalidDataException>(() => KeypointModelMetadata.FromProperties(props, "m.onnx"));
        Assert.That(e!.Message, Does.Contain("m.onnx").And.Contain("keypointml.point_offsets").And.Contain("expected 4 numbers"));
    }

    [Test]
    public void Shipping_with_calibration_leaves_no_mean_error_on_the_faces_it_was_measured_on()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        string folder = Path.Combine(Path.GetTempPath(), "kpml-calibrate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // imm-face58 on the 192 IMM training faces: its raw per-point mean error, then what is left once it is recorded.
            string shipped = ShippedModelWriter.Ship(RepositoryFiles.Model("imm-face58"), "imm-face58", folder);
            var (before, faces) = OffsetCalibration.Measure(shipped, KeypointDatasets.ImmTrain);
            TestContext.Out.WriteLine($"mean error before: {before} over {faces} faces");
            Assert.That(faces, Is.EqualTo(192));
            Assert.That(before.IsPerPoint, Is.True);
            Assert.That(before.Values.ToArray().Max(Math.Abs), Is.GreaterThan(1e-3), "a model with per-point errors to remove");
            ShippedModelWriter.Ship(shipped, "imm-face58", folder, offsets: before);
            var (after, _) = OffsetCalibration.Measure(shipped, KeypointDatasets.ImmTrain);
            Assert.That(after.Values.ToArray().Max(Math.Abs), Is.LessThan(1e-5), "every point corrected");
            var (mean, _) = OffsetCalibration.Measure(shipped, KeypointDatasets.ImmTrain, CalibrationKind.Mean);
            Assert.That(mean.IsPerPoint, Is.False);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
