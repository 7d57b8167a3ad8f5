namespace KeypointML.Preprocessing;

/// <summary>
/// The one pixel normalization every KeypointML model uses (the seed's <c>gray / 255 - 0.5</c>):
/// <c>value = (pixel + Offset) * Scale</c>. ImageAnalytics' ExtractPixels (ML.NET 5.0.1) computes
/// <c>(pixel - offset) * scale</c>, so the NormalizeGrayscale transform passes it <c>-Offset</c>.
/// Training and inference both read these constants, so they cannot drift apart.
/// </summary>
public static class GrayscaleNormalization
{
    /// <summary>The name written into model metadata.</summary>
    public const string Name = "gray/255-0.5";
    /// <summary>Added to each 0..255 grey value before scaling.</summary>
    public const float Offset = -127.5f;
    /// <summary>Multiplies the offset grey value.</summary>
    public const float Scale = 1f / 255f;

    /// <summary>The normalized value of one grey level.</summary>
    public static float Normalize(float grey) => (grey + Offset) * Scale;
}
