using KeypointML.Codecs;
using KeypointML.Detection;

namespace KeypointML.Engine;

/// <summary>Settings of <see cref="FaceEngine"/>: how faces are found, cropped and decoded. Defaults in one place
/// (<see cref="FaceEngineDefaults"/>).</summary>
public sealed record FaceEngineOptions
{
    /// <summary>Detection thresholds and the smallest face searched for.</summary>
    public FaceDetectionOptions Detection { get; init; } = new();
    /// <summary>Detection -> the landmark model's crop; null = the detector's fitted map (<see cref="FaceEngineDefaults.RegionsFor"/>).</summary>
    public DetectionRegions? Regions { get; init; }
    /// <summary>Heatmap decoding; null = the model's own.</summary>
    public HeatmapRefinement? Refinement { get; init; }
    /// <summary>Test-time flip averaging (68-point models; twice the landmark cost).</summary>
    public bool FlipAveraging { get; init; }
    /// <summary>1: the detector's region (faces whose points disagree with the crop's roll are cropped again around them);
    /// 2: every face cropped again around its first points (roll included).</summary>
    public int Passes { get; init; } = 1;
    /// <summary>The grey level outside the image in a crop (DetectKeypoints' <c>Fill</c>).</summary>
    public byte Fill { get; init; } = Transforms.KeypointDefaults.CropFill;
    /// <summary>Apply the model's shape prior when it has one (DetectKeypoints' <c>ApplyShapePrior</c>).</summary>
    public bool ApplyShapePrior { get; init; } = Transforms.KeypointDefaults.ApplyShapePrior;
    /// <summary>Points -> the 300-W box, for a second pass and for the tracker's next crop.</summary>
    public FaceBoxMap LandmarkBoxMap { get; init; } = FaceBoxMap.LandmarksTo300W;
    /// <summary>With a small-face model: faces whose 300-W box is narrower than this many pixels of the image (in the
    /// face's own frame) get it instead of the landmark model. The 300-W box is about 1.6 times the distance between the
    /// outer eye corners (the 337 test faces' median).</summary>
    public float SmallFaceWidth { get; init; } = FaceEngineDefaults.SmallFaceWidth;

    internal void Validate()
    {
        Detection.Validate();
        if (Passes is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(Passes), Passes, "Passes is 1 or 2.");
        if (!(SmallFaceWidth >= 0)) throw new ArgumentOutOfRangeException(nameof(SmallFaceWidth), SmallFaceWidth, "SmallFaceWidth is a width in pixels, 0 or more (0: no face is small).");
    }
}

/// <summary>The engine's defaults.</summary>
public static class FaceEngineDefaults
{
    /// <summary>Rolls under this many degrees keep the upright crop (chosen on training faces turned by 0-45 degrees: docs/engine.md).</summary>
    public const float MinRollDegrees = 20f;

    /// <summary>A face whose 68 points give a roll this many degrees away from its crop's is cropped again around them.</summary>
    public const float RollRecropDegrees = 10f;
    /// <summary>How many times at most a face is cropped again around its points.</summary>
    public const int RecropPasses = 2;

    /// <summary>Faces narrower than this (pixels of the 300-W box) go to the small-face model when there is one: chosen on
    /// the held-out faces made small (docs/engine.md).</summary>
    public const float SmallFaceWidth = 44f;

    /// <summary>The shipped small-face model (68 points), which <see cref="FaceLandmarker.Open"/> routes small faces to.</summary>
    public const string SmallFaceModel = "ibug68-small";

    /// <summary>Whether a landmark model of <paramref name="landmarkPoints"/> points gets the small-face model
    /// <paramref name="name"/> (a name or a file; null = none): only a 68-point model, and the default
    /// <see cref="SmallFaceModel"/> only where <paramref name="isAvailable"/> finds it (its package may not be referenced);
    /// any other name always, so that a missing one is an error. One rule for the library and the tools, which look for
    /// models in different folders.</summary>
    public static bool UsesSmallFaceModel(string? name, int landmarkPoints, Func<string, bool> isAvailable) =>
        name is not null && landmarkPoints == 68 && (name != SmallFaceModel || File.Exists(name) || isAvailable(name));

    /// <summary>Regions given as 300-W boxes (an engine without a detector): the identity map.</summary>
    public static DetectionRegions RegionsFor300WBoxes { get; } = new(FaceBoxMap.Identity, MinRollDegrees * MathF.PI / 180);

    /// <summary>The fitted detector box -> 300-W box map for a detector that gives this many points per face (yunet 5,
    /// blazeface-front 6), for rows of faces whose detector is known only by its points (<c>ExpandFaces</c>); null for a
    /// detector with another count, whose map is not known.</summary>
    public static FaceBoxMap? BoxMapFor(int pointsPerFace) => pointsPerFace switch
    {
        5 => FaceBoxMap.YuNetTo300W,
        6 => FaceBoxMap.BlazeFaceFrontTo300W,
        _ => null,
    };

    /// <summary>The fitted detection -> 300-W region map for a detector.</summary>
    public static DetectionRegions RegionsFor(IFaceDetector detector) => detector switch
    {
        YuNetDetector => new DetectionRegions(FaceBoxMap.YuNetTo300W, MinRollDegrees * MathF.PI / 180),
        _ => new DetectionRegions(FaceBoxMap.BlazeFaceFrontTo300W, MinRollDegrees * MathF.PI / 180),
    };
}
