namespace KeypointML.Engine;

/// <summary>Bilinear reads of an image at sub-pixel positions, for the warps that sample along turned axes (aligned chips,
/// the detector's levelled look).</summary>
internal static class PixelSampling
{
    /// <summary>Adds the bilinear sample at (<paramref name="x"/>, <paramref name="y"/>) (pixel centres at whole numbers) to
    /// <paramref name="sum"/>, channel by channel in the image's own order; pixels outside the image count as 0.</summary>
    public static void AddBilinear(ImagePixels image, float x, float y, Span<float> sum)
    {
        int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y), bpp = image.BytesPerPixel;
        float fx = x - x0, fy = y - y0;
        for (int dy = 0; dy <= 1; dy++)
        {
            int yy = y0 + dy;
            if ((uint)yy >= (uint)image.Height) continue;
            var row = image.Row(yy);
            float wy = dy == 0 ? 1 - fy : fy;
            for (int dx = 0; dx <= 1; dx++)
            {
                int xx = x0 + dx;
                if ((uint)xx >= (uint)image.Width) continue;
                float w = wy * (dx == 0 ? 1 - fx : fx);
                for (int c = 0; c < bpp; c++) sum[c] += w * row[xx * bpp + c];
            }
        }
    }
}
