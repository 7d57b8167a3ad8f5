using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace KeypointML.Imaging;

/// <summary>
/// Marks an <see cref="MLImage"/> field or property of a row class as an image column of any size (the type LoadImages
/// and CropToFaceBox produce).
/// </summary>
/// <remarks>
/// ImageAnalytics' own <c>[ImageType]</c> needs a fixed height and width (its parameterless form fails with
/// "Must be positive"), but crops differ in size from row to row.
/// </remarks>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class AnySizeImageTypeAttribute : DataViewTypeAttribute
{
    /// <summary>Registers MLImage with this attribute as the variable-size <see cref="ImageDataViewType"/>.</summary>
    public override void Register() => DataViewTypeManager.Register(new ImageDataViewType(), typeof(MLImage), this);

    /// <inheritdoc />
    public override bool Equals(DataViewTypeAttribute other) => other is AnySizeImageTypeAttribute;

    /// <inheritdoc />
    public override int GetHashCode() => typeof(AnySizeImageTypeAttribute).GetHashCode();
}
