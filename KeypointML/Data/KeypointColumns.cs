namespace KeypointML.Data;

/// <summary>
/// The column names of every dataset's <c>IDataView</c>, in one place so transforms and readers cannot drift apart.
/// Every dataset has <see cref="ImagePath"/>, <see cref="Width"/>, <see cref="Height"/> and <see cref="Box"/>;
/// labelled datasets add <see cref="Keypoints"/>; the IMM Face Database adds <see cref="Person"/>, <see cref="View"/>
/// and <see cref="Gender"/>.
/// </summary>
public static class KeypointColumns
{
    /// <summary>Text: the absolute path of the image file.</summary>
    public const string ImagePath = "ImagePath";
    /// <summary>Int32: image width in pixels, read from the image header.</summary>
    public const string Width = "Width";
    /// <summary>Int32: image height in pixels, read from the image header.</summary>
    public const string Height = "Height";
    /// <summary><c>Vector&lt;Single, 4&gt;</c>: the face box left, top, width, height in pixels (the whole image when the dataset has no boxes).</summary>
    public const string Box = "Box";
    /// <summary><c>Vector&lt;Single, 2K&gt;</c>: keypoints x0, y0, x1, y1, ... in 0-based pixel coordinates.</summary>
    public const string Keypoints = "Keypoints";
    /// <summary>Int32 (IMM only): the person, 1-40.</summary>
    public const string Person = "Person";
    /// <summary>Int32 (IMM only): the view, 1-6.</summary>
    public const string View = "View";
    /// <summary>Text (IMM only): "m" or "f".</summary>
    public const string Gender = "Gender";
}
