using Microsoft.ML;

namespace KeypointML.Transforms;

/// <summary>MLContext set-up for KeypointML.</summary>
public static class KeypointMLContextExtensions
{
    /// <summary>
    /// Registers KeypointML's CustomMapping factories with <paramref name="mlContext"/>, which <c>mlContext.Model.Load</c>
    /// needs to read a saved pipeline holding KeypointML components. Same as
    /// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(KeypointCatalog).Assembly)</c>; calling it twice is harmless.
    /// </summary>
    public static MLContext RegisterKeypointComponents(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        mlContext.ComponentCatalog.RegisterAssembly(typeof(KeypointCatalog).Assembly);
        return mlContext;
    }
}
