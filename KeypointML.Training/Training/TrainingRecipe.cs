using KeypointML.Data;
using KeypointML.Training.Augmentation;
using KeypointML.Training.Models;

namespace KeypointML.Training.Training;

/// <summary>Settings a user can change on the command line; null = the recipe's default.</summary>
public sealed record RecipeOverrides
{
    public int? Epochs { get; init; }
    public double? LearningRate { get; init; }
    public double? WeightDecay { get; init; }
    public int? BatchSize { get; init; }
    public long? Seed { get; init; }
    /// <summary>imm-face58: initialise the last bias to the mean training shape (default on).</summary>
    public bool? MeanShapeBias { get; init; }
    /// <summary>ibug-resnet18: initialise from ImageNet weights (default off).</summary>
    public bool? Pretrained { get; init; }
    /// <summary>ibug-resnet18: crop scale around the box (default: measured on the training set).</summary>
    public float? CropScale { get; init; }
    /// <summary>ibug-resnet18: square input size (default 224; smaller only for smoke tests).</summary>
    public int? InputSize { get; init; }
    /// <summary>Use only the first N training and validation faces (smoke tests).</summary>
    public int? Limit { get; init; }
}

/// <summary>One of the named training setups of the seed write-up.</summary>
public sealed record TrainingRecipe
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required int Epochs { get; init; }
    public required double LearningRate { get; init; }
    public double WeightDecay { get; init; }
    public required int BatchSize { get; init; }
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;
    public required string TrainData { get; init; }
    public required string ValidationData { get; init; }
    /// <summary>Data evaluated after training besides validation (e.g. the iBUG test XML), or null.</summary>
    public string? TestData { get; init; }
    /// <summary>Fraction of the training faces held out for validation when <see cref="ValidationData"/> is
    /// <see cref="HoldOut"/> (split by image, seeded).</summary>
    public double HoldOutFraction { get; init; }

    /// <summary>Marker for <see cref="ValidationData"/>: validate on a held-out part of the training set.</summary>
    public const string HoldOut = "holdout";

    public static readonly IReadOnlyList<string> Names = ["imm-nose", "imm-face58", "ibug-resnet18"];

    /// <summary>The IMM point the nose-tip model learns: 0-based index 52 of the 58 (the tip, as in the seed's course).</summary>
    public const int ImmNoseTipIndex = 52;

    public static TrainingRecipe Get(string name) => name switch
    {
        "imm-nose" => new TrainingRecipe
        {
            Name = name,
            Description = "Part 1: nose tip on IMM (1x60x80, NoseTipNet, batch 4, Adam 1e-3)",
            Epochs = 20, LearningRate = 1e-3, BatchSize = 4,
            TrainData = KeypointDatasets.ImmTrain, ValidationData = KeypointDatasets.ImmValidation,
        },
        "imm-face58" => new TrainingRecipe
        {
            Name = name,
            Description = "Part 2: all 58 IMM points (1x120x160, Face58Net, batch 16, Adam 1e-3, augmentation)",
            Epochs = 40, LearningRate = 1e-3, BatchSize = 16,
            Augmentation = new AugmentationOptions { Brightness = 0.3f, Saturation = 0.3f, MaxRotationDegrees = 15, MaxShiftPixels = 10 },
            TrainData = KeypointDatasets.ImmTrain, ValidationData = KeypointDatasets.ImmValidation,
        },
        "ibug-resnet18" => new TrainingRecipe
        {
            Name = name,
            Description = "Part 3: 68 points on iBUG 300-W (1x224x224, ResNet18, batch 64, Adam 5e-3, wd 1e-5, flip)",
            Epochs = 10, LearningRate = 5e-3, WeightDecay = 1e-5, BatchSize = 64,
            Augmentation = new AugmentationOptions
            {
                Brightness = 0.3f, Saturation = 0.3f, MaxRotationDegrees = 15, MaxShiftPixels = 10,
                FlipProbability = 0.5f, MirrorMap = MirrorMaps.Ibug68,
            },
            TrainData = KeypointDatasets.IbugTrain, ValidationData = HoldOut, HoldOutFraction = 0.1,
            TestData = KeypointDatasets.IbugTest,
        },
        _ => throw new ArgumentException($"unknown recipe '{name}'; expected one of {string.Join(", ", Names)}."),
    };
}
