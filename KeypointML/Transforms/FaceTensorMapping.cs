using KeypointML.Geometry;
using KeypointML.Imaging;
using KeypointML.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KeypointML.Transforms;

/// <summary>
/// The crop stage of <see cref="Engine.FaceEngine"/> as an ML.NET column, the fast form of <see cref="FacePreprocessing.Steps"/>:
/// image path (and face box) -> model input tensor, crop geometry and image size in one mapping. The file is decoded into a
/// pooled buffer and the engine's <see cref="Engine.FaceEngine.Crop"/> makes the tensor from it, so no image column, copy
/// or extra transformer stands between the file and the model; the values are those of LoadKeypointImages ->
/// CropToFaceBox -> NormalizeGrayscale (without reduced decoding), and the errors are theirs.
/// </summary>
/// <remarks>Not persistable by itself (a CustomMapping made at run time, with its vector sizes): a chain that holds it
/// saves the equivalent composable steps instead (see <see cref="KeypointDetectionTransformer"/>).</remarks>
internal static class FaceTensorMapping
{
    /// <summary>The mapping for <paramref name="engine"/>'s landmark model between <paramref name="columns"/>; with
    /// <paramref name="reducedDecoding"/> JPEGs are decoded at the smallest 1/2, 1/4 or 1/8 scale that keeps the crop at
    /// least the model's input size.</summary>
    public static IEstimator<ITransformer> Create(TransformsCatalog catalog, Engine.FaceEngine engine, FacePreprocessingColumns columns, bool reducedDecoding)
    {
        var p = engine.Preprocessing;
        var outDefinition = SchemaDefinition.Create(typeof(TensorRow));
        Member(outDefinition, nameof(TensorRow.Pixels)).ColumnName = columns.Pixels;
        Member(outDefinition, nameof(TensorRow.Pixels)).ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, p.InputHeight, p.InputWidth);
        Member(outDefinition, nameof(TensorRow.Geometry)).ColumnName = columns.CropGeometry;
        Member(outDefinition, nameof(TensorRow.Geometry)).ColumnType = new VectorDataViewType(NumberDataViewType.Single, CropGeometry.VectorLength);
        Member(outDefinition, nameof(TensorRow.Size)).ColumnName = columns.ImageSize;
        Member(outDefinition, nameof(TensorRow.Size)).ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
        bool mark = columns.Error is not null;
        if (mark) Member(outDefinition, nameof(TensorRow.Error)).ColumnName = columns.Error!;
        else outDefinition.Remove(Member(outDefinition, nameof(TensorRow.Error)));
        if (columns.Box is null)
        {
            var inDefinition = SchemaDefinition.Create(typeof(PathRow));
            Member(inDefinition, nameof(PathRow.Path)).ColumnName = columns.ImagePath;
            return catalog.CustomMapping<PathRow, TensorRow>((row, output) => MapOrMark(row.Path, null, engine, reducedDecoding, mark, output),
                contractName: null, inDefinition, outDefinition);
        }
        var boxDefinition = SchemaDefinition.Create(typeof(PathBoxRow));
        Member(boxDefinition, nameof(PathBoxRow.Path)).ColumnName = columns.ImagePath;
        Member(boxDefinition, nameof(PathBoxRow.Box)).ColumnName = columns.Box;
        Member(boxDefinition, nameof(PathBoxRow.Box)).ColumnType = new VectorDataViewType(NumberDataViewType.Single, 4);
        return catalog.CustomMapping<PathBoxRow, TensorRow>((row, output) => MapOrMark(row.Path, row.Box, engine, reducedDecoding, mark, output),
            contractName: null, boxDefinition, outDefinition);
    }

    /// <summary>The exception behind each error text this mapping wrote, for the <c>InnerException</c> of a <see cref="KeypointRowException"/>:
    /// the text travels through ML.NET as the same string object, so the cause is found again by reference (and is
    /// forgotten with the text).</summary>
    internal static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, Exception> Causes = new();

    private static SchemaDefinition.Column Member(SchemaDefinition definition, string member) => definition.Single(c => c.MemberName == member);

    // A row that cannot be made into a tensor either throws (no error column) or is marked: the reason in the error column,
    // NaN tensor, geometry and size, which the scorer skips and the decoder turns into NaN points.
    private static void MapOrMark(string path, float[]? box, Engine.FaceEngine engine, bool reducedDecoding, bool mark, TensorRow output)
    {
        if (!mark)
        {
            Map(path, box, engine, reducedDecoding, output);
            return;
        }
        try
        {
            Map(path, box, engine, reducedDecoding, output);
            output.Error = "";
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            output.Error = e.Message;
            Causes.AddOrUpdate(output.Error, e);
            var nan = new float[engine.Preprocessing.InputLength];
            Array.Fill(nan, float.NaN);
            output.Pixels = nan;
            output.Geometry = [float.NaN, float.NaN, float.NaN, float.NaN];
            output.Size = [float.NaN, float.NaN];
        }
    }

    /// <summary>The image at <paramref name="path"/> decoded for the crop <paramref name="p"/> takes of <paramref name="box"/>
    /// (null: the whole image), at a JPEG reduction that keeps the crop at least the model's input when
    /// <paramref name="reducedDecoding"/>. A bad box throws InvalidOperationException and an unreadable image
    /// InvalidDataException, each naming the component and the image (the messages rows are marked with).</summary>
    internal static DecodedPixels ReadForCrop(string path, float[]? box, FacePreprocessing p, bool reducedDecoding, out CropGeometry geometry)
    {
        if (box is not null && box.Length != 4)
            throw new InvalidOperationException($"{FaceBoxCropEstimator.Component}: a face box has {box.Length} values; expected 4 (left, top, width, height).");
        CropGeometry crop = default;
        try
        {
            var pixels = ImageFileReader.ReadPixels(path, (width, height) =>
            {
                crop = CropFor(box, p, path, width, height);
                return reducedDecoding ? Reduction(crop, p) : 1;
            });
            geometry = crop;
            return pixels;
        }
        catch (InvalidOperationException) { throw; }   // the box's reason, already naming the component and image
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{ImageFileLoadingEstimator.Component}: image '{path}' could not be read: {e.Message}", e);
        }
    }

    private static void Map(string path, float[]? box, Engine.FaceEngine engine, bool reducedDecoding, TensorRow output)
    {
        using var pixels = ReadForCrop(path, box, engine.Preprocessing, reducedDecoding, out var geometry);
        var tensor = new float[engine.Preprocessing.InputLength];
        engine.Crop(pixels.Source, Engine.RegionCrop.UprightCrop(geometry), tensor);
        output.Pixels = tensor;
        output.Geometry = geometry.ToVector();
        output.Size = [pixels.FullWidth, pixels.FullHeight];
    }

    private static CropGeometry CropFor(float[]? box, FacePreprocessing p, string path, int width, int height)
    {
        if (box is null) return CropGeometry.WholeImage(width, height);
        FaceBoxCropEstimator.BoxCropFactory.CheckBox(box, path, width, height);
        try { return p.CropOf(box); }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{FaceBoxCropEstimator.Component}: face box [{string.Join(", ", box)}] of a {width}x{height} image ('{path}') is not usable: {e.Message}", e);
        }
    }

    /// <summary>The largest JPEG reduction (8, 4, 2) that leaves the crop at least the model's input on both sides, else 1.</summary>
    internal static int Reduction(CropGeometry crop, FacePreprocessing p)
    {
        foreach (int d in (ReadOnlySpan<int>)[8, 4, 2])
            if (crop.Width / d >= p.InputWidth && crop.Height / d >= p.InputHeight) return d;
        return 1;
    }

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    private sealed class PathBoxRow
    {
        public string Path { get; set; } = "";
        public float[] Box { get; set; } = [];
    }

    private sealed class TensorRow
    {
        public float[] Pixels { get; set; } = [];
        public float[] Geometry { get; set; } = [];
        public float[] Size { get; set; } = [];
        public string Error { get; set; } = "";
    }
}
