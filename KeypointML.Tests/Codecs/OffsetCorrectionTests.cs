using KeypointML.Codecs;
using KeypointML.Data;
using KeypointML.Models;
using KeypointML.Tests.Data;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Onnx;
using KeypointML.Transforms;

namespace KeypointML.Tests.Codecs;

/// <summary>The calibration offset: measured on a model's training faces when it is shipped, kept in its metadata, and
/// subtracted by every decoder, outside flip averaging.</summary>
public class OffsetCorrectionTests
{
    [Test]
    public void The_corrected_codec_subtracts_the_offset_from_every_point()
    {
        var codec = new OffsetCorrectedCodec(new CoordinateCodec(2), 0.01f, -0.02f);
        var points = new float[4];
        codec.Decode([0.5f, 0.5f, 0.25f, 0.75f], points, new float[2]);
        Assert.That(points, Is.EqualTo(new[] { 0.49f, 0.52f, 0.24f, 0.77f }).Within(1e-6f));
        Assert.That(OffsetCorrectedCodec.Wrap(new CoordinateCodec(2), default), Is.TypeOf<CoordinateCodec>(), "no offset, no wrapper");
        Assert.Throws<NotSupportedException>(() => codec.Encode(new float[4], new float[4]));
    }

    [Test]
    public void A_calibrated_model_corrects_outside_flip_averaging_and_the_offset_survives_a_saved_pipeline()
    {
        using var model = KeypointModel.Open(RepositoryFiles.Model("ibug68-fast"));
        Assert.That(model.Metadata.Offset, Is.Not.EqualTo(default((float, float))), "the shipped fast model is calibrated");
        var flipped = model.Codec(null, flipAveraging: true);
        // Outside: the mirror pass carries the same bias, so correcting inside would undo it in x for that half.
        Assert.That(flipped, Is.TypeOf<OffsetCorrectedCodec>());
        Assert.That(((OffsetCorrectedCodec)flipped).Inner, Is.TypeOf<FlipAveragingCodec>());
        Assert.That((((OffsetCorrectedCodec)flipped).OffsetX, ((OffsetCorrectedCodec)flipped).OffsetY), Is.EqualTo(model.Metadata.Offset));

        var saved = CodecParameters.Write(flipped);
        Assert.That(saved, Has.Length.EqualTo(8));
        var read = CodecParameters.Read(saved);
        Assert.That(read, Is.TypeOf<OffsetCorrectedCodec>());
        Assert.That(((OffsetCorrectedCodec)read).Inner, Is.TypeOf<FlipAveragingCodec>());
        Assert.That(CodecParameters.Write(read), Is.EqualTo(saved));
        Assert.That(CodecParameters.Read([1, 68, 56, 56, 3]), Is.TypeOf<HeatmapCodec>(), "pipelines saved before offsets existed still load");
    }

    [Test]
    public void A_bad_offset_in_the_metadata_names_the_file_and_the_key()
    {
        var props = new KeypointModelMetadata { InputHeight = 8, InputWidth = 8, KeypointCount = 1, OutputKind = KeypointOutputKind.Coordinates, Offset = (0.5f, -0.25f) }
            .ToProperties().ToDictionary();
        Assert.That(KeypointModelMetadata.FromProperties(props, "m.onnx").Offset, Is.EqualTo((0.5f, -0.25f)));
        props[KeypointModelMetadata.KeyPrefix + "offset"] = "0.5;x";
        var e = Assert.Throws<InvalidDataException>(() => KeypointModelMetadata.FromProperties(props, "m.onnx"));
        Assert.That(e!.Message, Does.Contain("m.onnx").And.Contain("keypointml.offset").And.Contain("0.5;x"));
    }

    [Test]
    public void Shipping_with_calibration_leaves_no_mean_error_on_the_faces_it_was_measured_on()
    {
        if (KeypointDataPaths.TryFindRoot() is null) Assert.Ignore("No keypoint data found (set KEYPOINTML_DATA).");
        string folder = Path.Combine(Path.GetTempPath(), "kpml-calibrate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // imm-nose on the 192 IMM training faces: its raw mean error, then what is left once the offset is recorded.
            string shipped = ShippedModelWriter.Ship(RepositoryFiles.Model("imm-nose"), "imm-nose", folder);
            var before = OffsetCalibration.Residual(shipped, KeypointDatasets.ImmTrain);
            TestContext.Out.WriteLine($"mean error before: ({before.X:G4}, {before.Y:G4}) over {before.Faces} faces");
            Assert.That(before.Faces, Is.EqualTo(192));
            Assert.That(Math.Abs(before.X) + Math.Abs(before.Y), Is.GreaterThan(1e-3), "a model with a mean error to remove");
            ShippedModelWriter.Ship(shipped, "imm-nose", folder, offset: (before.X, before.Y));
            var after = OffsetCalibration.Residual(shipped, KeypointDatasets.ImmTrain);
            Assert.That(after.X, Is.EqualTo(0).Within(1e-5), "x corrected");
            Assert.That(after.Y, Is.EqualTo(0).Within(1e-5), "y corrected");
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
