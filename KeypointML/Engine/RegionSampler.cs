using System.Buffers;
using System.Runtime.CompilerServices;
using KeypointML.Geometry;
using KeypointML.Imaging;

namespace KeypointML.Engine;

/// <summary>
/// A model's input tensor from a <see cref="RegionCrop"/>. Upright crops go straight to <see cref="FaceTensorSampler"/>
/// (the values the ML.NET components compute, bit for bit). A turned crop is made in two steps: the upright square that
/// holds it is sampled by the same sampler at the model's resolution (so shrinking a large face is anti-aliased by the
/// library's one filter), then turned by the roll with bilinear interpolation at that resolution.
/// </summary>
/// <remarks>Why two steps and not one affine warp: a single bilinear warp from a photo aliases whenever the face is more
/// than twice the model's input, and an anti-aliased affine warp would be a second resampling filter beside
/// <see cref="FilterTaps"/>. The turn at the model's resolution costs a bilinear blur of under a pixel.</remarks>
internal static class RegionSampler
{
    // One model pixel of margin around the turned square, so that bilinear reads never leave the sampled square.
    private const float Margin = 2f;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sample(FaceTensorSampler.SourcePixels source, RegionCrop crop, byte fill, int width, int height, Span<float> tensor)
    {
        if (!crop.IsTurned)
        {
            FaceTensorSampler.Sample(source, crop.Upright, fill, width, height, tensor);
            return;
        }
        if (width != height) throw new ArgumentException($"A turned crop feeds square inputs; this model's is {width} x {height}.");
        float cos = MathF.Cos(crop.Roll), sin = MathF.Sin(crop.Roll);
        float perPixel = crop.Side / width;                       // image pixels per model pixel
        float bound = crop.Side * (MathF.Abs(cos) + MathF.Abs(sin)) + 2 * Margin * perPixel;
        int side = Math.Max(1, (int)MathF.Ceiling(bound));
        int x0 = (int)MathF.Floor(crop.CenterX + 0.5f - side / 2f), y0 = (int)MathF.Floor(crop.CenterY + 0.5f - side / 2f);
        int m = Math.Max(2, (int)MathF.Ceiling(side / perPixel));
        var square = ArrayPool<float>.Shared.Rent(m * m);
        try
        {
            FaceTensorSampler.Sample(source, new CropGeometry(x0, y0, side, side), fill, m, m, square.AsSpan(0, m * m));
            float toSquare = m / (float)side;                      // square cells per image pixel
            for (int v = 0; v < height; v++)
            {
                float dv = ((v + 0.5f) / height - 0.5f) * crop.Side;
                for (int u = 0; u < width; u++)
                {
                    float du = ((u + 0.5f) / width - 0.5f) * crop.Side;
                    float x = crop.CenterX + cos * du - sin * dv, y = crop.CenterY + sin * du + cos * dv;
                    tensor[v * width + u] = Bilinear(square, m, (x - x0 + 0.5f) * toSquare - 0.5f, (y - y0 + 0.5f) * toSquare - 0.5f);
                }
            }
        }
        finally { ArrayPool<float>.Shared.Return(square); }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bilinear(float[] square, int m, float x, float y)
    {
        x = Math.Clamp(x, 0, m - 1.001f);
        y = Math.Clamp(y, 0, m - 1.001f);
        int ix = (int)x, iy = (int)y;
        float fx = x - ix, fy = y - iy;
        int i = iy * m + ix;
        float top = square[i] + fx * (square[i + 1] - square[i]);
        float bottom = square[i + m] + fx * (square[i + m + 1] - square[i + m]);
        return top + fy * (bottom - top);
    }
}
