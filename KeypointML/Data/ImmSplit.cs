namespace KeypointML.Data;

/// <summary>
/// The standard IMM split, by person so that no face seen in training is scored in validation:
/// persons 1-32 train (192 images), persons 33-40 validate (48 images).
/// </summary>
public enum ImmSplit
{
    /// <summary>All 240 images.</summary>
    All,
    /// <summary>Persons 1-32: 192 images.</summary>
    Train,
    /// <summary>Persons 33-40: 48 images.</summary>
    Validation,
}
