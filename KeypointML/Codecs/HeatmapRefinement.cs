namespace KeypointML.Codecs;

/// <summary>How a heatmap peak is refined below one cell.</summary>
public enum HeatmapRefinement
{
    /// <summary>The argmax cell's centre (the default).</summary>
    None = 0,
    /// <summary>A quarter cell from the argmax toward its higher neighbour, in x and y separately (the usual trick of
    /// Hourglass/HRNet decoders).</summary>
    QuarterOffset = 1,
    /// <summary>Per axis, the vertex of the parabola through the logarithms of the peak and its two neighbours, at most
    /// half a cell from the argmax. A Gaussian's logarithm is a parabola, so a Gaussian peak decodes to its exact centre
    /// (the 1-D form of DARK, Zhang et al. 2020). Where a neighbour is not positive (maps trained with MSE can dip below
    /// zero) that axis falls back to the quarter-cell step.</summary>
    LogParabola = 2,
}
