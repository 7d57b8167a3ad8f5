using System.CommandLine;
using KeypointML.Codecs;
using KeypointML.Models;
using KeypointML.Tooling.Inference;
using KeypointML.Tooling.Onnx;

namespace KeypointML.Cli;

/// <summary><c>keypointml ship --model RUN/x.onnx --name NAME [--models DIR] [--refine R] [--calibrate DATA]</c>: copies a
/// trained model into the models folder as NAME.onnx with metadata name NAME (and its decoding and calibration offsets).</summary>
public sealed class ShipCommand : ICliCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The exported model (a run folder's NAME.onnx).", Required = true };
        var name = new Option<string>("--name") { Description = "The shipped name, e.g. ibug68-fast: the file becomes NAME.onnx and its metadata name NAME.", Required = true };
        var models = new Option<string?>("--models") { Description = "The models folder (default: the repository's models/)." };
        var refine = ModelOptions.Refine();
        refine.Description = "Heatmap models: record this decoding in the model's metadata as its default (the one chosen on its validation faces); DetectKeypoints and the verbs then use it unless told otherwise.";
        var calibrate = new Option<string?>("--calibrate") { Description = "Measure the model's mean error on these labelled faces (the ones it was trained on: ibug-fit for the 68-point recipes) and record it, so the decoders subtract it (the bias flip augmentation leaves; docs/mlnet-components.md)." };
        var calibration = new Option<CalibrationKind>("--calibration")
        {
            Description = "With --calibrate: per-point (one mean error per point, the default) or mean (one for all points, as the first calibrated models did).",
            DefaultValueFactory = _ => CalibrationKind.PerPoint,
            CustomParser = result => result.Tokens[0].Value == "mean" ? CalibrationKind.Mean : CalibrationKind.PerPoint,
        };
        calibration.AcceptOnlyFromAmong("per-point", "mean");
        var half = new Option<bool>("--half") { Description = "Store the weights as float16, cast to float32 when the model loads: half the file, the same computation; the rounding moves the outputs slightly (measure before shipping)." };
        var int8 = new Option<string?>("--int8") { Description = "Quantize to int8 (QDQ: int8 weights, uint8 activations, float head), with activation ranges measured on these labelled faces (training faces: ibug-fit for the 68-point recipes); about twice as fast on a CPU with AVX-512 VNNI. Measure the model again before shipping it." };
        var int8Faces = new Option<int?>("--int8-faces") { Description = "With --int8: measure the activation ranges on this many faces spread over the data (default: all)." };
        var int8Head = new Option<bool>("--int8-head") { Description = "With --int8: the output head's convolution on integers too (only the sigmoid stays float); faster, and measure it: on ibug68-fast 0.15 ms less per face for 0.002 point of held-out NME." };
        var int8FloatStem = new Option<bool>("--int8-float-stem") { Description = "With --int8: leave the one-channel input and the stem convolution float; faster for a small stem (ibug68-fast: 0.19 ms less per face), slower for ResNet18's (measure it)." };
        var shapePrior = new Option<string?>("--shape-prior") { Description = "Fit a face-shape prior (ShapePrior) from these labelled faces and the model's own predictions of them (its training faces: ibug-fit for the 68-point recipes), with the noise scale chosen on --shape-prior-select; applied by the decoders after the calibration (replaces any prior the model has)." };
        var shapePriorSelect = new Option<string?>("--shape-prior-select") { Description = "With --shape-prior: the held-out faces the noise scale is chosen on (ibug-val for the 68-point recipes); the prior is kept only if it beats none there." };
        var detector = new Option<bool>("--detector") { Description = "The model is a third-party face detector (BlazeFace layout): add KeypointML's name, kind and the source's sha256 to its metadata." };
        var command = new Command("ship", "Put a trained model into the models folder under its shipped name (file name = metadata name; graph and weights unchanged).")
        {
            model, name, models, detector, refine, calibrate, calibration, half, int8, int8Faces, int8Head, int8FloatStem, shapePrior, shapePriorSelect,
        };
        command.SetAction(parse => CliApp.Guard(() =>
        {
            var folder = parse.GetValue(models) ?? ModelsFolder.TryFind() ?? throw new ArgumentException("no models folder: pass --models DIR (or run inside the repository, or set KEYPOINTML_MODELS).");
            if (parse.GetValue(detector))
            {
                var shippedDetector = ShippedModelWriter.ShipDetector(parse.GetValue(model)!, parse.GetValue(name)!, folder);
                CliApp.Out.WriteLine($"{shippedDetector}: face detector, sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(shippedDetector)))}");
                return 0;
            }
            string source = parse.GetValue(model)!, shippedName = parse.GetValue(name)!;
            // Calibration measures the model as it will ship (its recorded decoding, its float16 weights) on a staged copy,
            // so a failed calibration leaves the models folder untouched; the staged file, the one measured, is then what
            // ships, with the offset added to any the source carried already.
            if ((parse.GetValue(int8Head) || parse.GetValue(int8FloatStem)) && parse.GetValue(int8) is null)
                throw new ArgumentException("--int8-head and --int8-float-stem need --int8 (they say how to quantize).");
            var quantize = parse.GetValue(int8) is string int8Data ? Int8Calibration.Of(source, int8Data, parse.GetValue(int8Faces)) with { IntegerHead = parse.GetValue(int8Head), FloatStem = parse.GetValue(int8FloatStem) } : null;
            string? priorData = parse.GetValue(shapePrior), priorSelect = parse.GetValue(shapePriorSelect);
            if ((priorData is null) != (priorSelect is null)) throw new ArgumentException("--shape-prior and --shape-prior-select go together: the faces to fit the prior on, and the held-out faces to choose its noise scale on.");
            // A shape prior is fitted to the calibrated points: recalibrating drops the source's, unless a new one is fitted.
            bool replacePrior = priorData is not null || parse.GetValue(calibrate) is not null;
            ShapePrior? prior = null;
            var staging = parse.GetValue(calibrate) is null && priorData is null ? null : Directory.CreateTempSubdirectory("keypointml-ship-");
            string target;
            try
            {
                CalibrationOffsets? offsets = null;
                if (parse.GetValue(calibrate) is string data)
                {
                    var staged = ShippedModelWriter.Ship(source, shippedName, staging!.FullName, parse.GetValue(refine), halfPrecisionWeights: parse.GetValue(half), int8: quantize,
                        replaceShapePrior: true);
                    var (residual, faces) = OffsetCalibration.Measure(staged, data, parse.GetValue(calibration));
                    using (var before = KeypointModel.Open(staged)) offsets = before.Metadata.Offsets.Plus(residual, before.Metadata.KeypointCount);
                    var (x, y) = residual.Mean;
                    CliApp.Out.WriteLine(FormattableString.Invariant($"calibrated on {faces} faces of {data}: mean error ({x:G4}, {y:G4}) in crop units; offsets recorded: {offsets}"));
                    source = staged;
                    quantize = null;   // the staged file is quantized already
                }
                if (priorData is not null)
                {
                    // The model as it will ship, calibration included and without a prior, predicts both sets.
                    var measured = ShippedModelWriter.Ship(source, shippedName, Directory.CreateDirectory(Path.Combine(staging!.FullName, "prior")).FullName,
                        parse.GetValue(refine), offsets, parse.GetValue(half), quantize, replaceShapePrior: true);
                    var (fitLabels, fitPredictions) = ShapePriorFit.Predict(measured, priorData);
                    var (selectLabels, selectPredictions) = ShapePriorFit.Predict(measured, priorSelect!);
                    var choice = ShapePriorFit.Choose(fitLabels, fitPredictions, selectLabels, selectPredictions);
                    CliApp.Out.WriteLine(FormattableString.Invariant($"shape prior fitted on {choice.FitFaces} faces of {priorData}; NME_io on {choice.SelectionFaces} faces of {priorSelect}: without {100 * choice.NmeWithout:F3}%, ") +
                        string.Join(", ", choice.Candidates.Select(c => FormattableString.Invariant($"noise {c.NoiseScale:G3} {100 * c.Nme:F3}%"))) +
                        (choice.Prior is null ? "; none beats no prior: not recorded" : FormattableString.Invariant($"; recorded: noise {choice.NoiseScale:G3}")));
                    prior = choice.Prior;
                    // The measured file is the model as it ships, less the prior: write the result from it, not again from the source.
                    source = measured;
                    quantize = null;
                }
                if (replacePrior && prior is null)
                    using (var original = KeypointModel.Open(parse.GetValue(model)!))
                        if (original.Metadata.ShapePrior is not null)
                            CliApp.Out.WriteLine("note: the model's shape prior is dropped: it was fitted to the old calibration (fit a new one with --shape-prior).");
                target = ShippedModelWriter.Ship(source, shippedName, folder, parse.GetValue(refine), offsets, parse.GetValue(half), quantize, replacePrior, prior);
            }
            finally { staging?.Delete(recursive: true); }
            using var shipped = KeypointModel.Open(target);
            CliApp.Out.WriteLine($"{target}: {ModelDescription.Of(shipped, null)}, output activation {shipped.Metadata.OutputActivation.ToString().ToLowerInvariant()}" +
                (shipped.Metadata.Refinement is { } r ? $", decoded by {KeypointModelMetadata.RefinementNames[r]} unless told otherwise" : "") +
                (shipped.Metadata.ShapePrior is not null ? ", with a shape prior" : ""));
            return 0;
        }));
        return command;
    }
}
