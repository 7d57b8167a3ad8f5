namespace KeypointML;

/// <summary>
/// Every column name KeypointML reads or writes, in one place so that readers, transforms and evaluation cannot drift
/// apart. Labels and predictions never share a name: a dataset's labelled points are <see cref="Label"/> (ML.NET's
/// name for ground truth) and <c>DetectKeypoints</c> writes its predictions to <see cref="Keypoints"/>, so a scored
/// dataset holds both and <c>EvaluateKeypoints</c> compares them as they are.
/// </summary>
public static class KeypointColumns
{
    // Dataset columns (KeypointDatasets, KeypointDataViews).

    /// <summary>Text: the absolute path of the image file.</summary>
    public const string ImagePath = "ImagePath";
    /// <summary>Int32: image width in pixels, read from the image header.</summary>
    public const string Width = "Width";
    /// <summary>Int32: image height in pixels, read from the image header.</summary>
    public const string Height = "Height";
    /// <summary><c>Vector&lt;Single, 4&gt;</c>: the face box left, top, width, height in pixels (the whole image when the dataset has no boxes).</summary>
    public const string Box = "Box";
    /// <summary><c>Vector&lt;Single, 2K&gt;</c>: the labelled keypoints x0, y0, x1, y1, ... in 0-based pixel coordinates
    /// (labelled datasets only).</summary>
    public const string Label = "Label";
    /// <summary>Int32 (IMM only): the person, 1-40.</summary>
    public const string Person = "Person";
    /// <summary>Int32 (IMM only): the view, 1-6.</summary>
    public const string View = "View";
    /// <summary>Text (IMM only): "m" or "f".</summary>
    public const string Gender = "Gender";

    // Columns the components write.

    /// <summary>Loaded image (<c>LoadKeypointImages</c>).</summary>
    public const string Image = "Image";
    /// <summary>Image size, float[2] width, height in pixels (<c>LoadKeypointImages</c>).</summary>
    public const string ImageSize = "ImageSize";
    /// <summary>Cropped image (<c>CropToFaceBox</c>).</summary>
    public const string CroppedImage = "CroppedImage";
    /// <summary>Crop geometry, float[4] X0, Y0, Width, Height (<c>CropToFaceBox</c>; <see cref="Geometry.CropGeometry.ToVector"/>).</summary>
    public const string CropGeometry = "CropGeometry";
    /// <summary>Normalized pixel tensor, float [1, H, W] (<c>NormalizeGrayscale</c>).</summary>
    public const string Pixels = "Pixels";
    /// <summary>Raw model output, [2K] normalized coordinates or [K, h, w] heatmaps (<c>ScoreKeypoints</c>).</summary>
    public const string ModelOutput = "ModelOutput";
    /// <summary>Predicted keypoints, float[2K] x0, y0, x1, y1, ... in original image pixels (<c>DecodeKeypoints</c>,
    /// <c>DetectKeypoints</c>).</summary>
    public const string Keypoints = "Keypoints";
    /// <summary>Per-keypoint confidence, float[K] (<c>DecodeKeypoints</c>): for heatmap models 1 / (1 + the spread of the
    /// point's map around it, in cells), low for an occluded or uncertain point; 1 for coordinate models,
    /// which give no confidence.</summary>
    public const string Confidence = "Confidence";
    /// <summary>Why a row could not be scored (text; empty when it was): the image could not be read or its box is not
    /// usable. Its keypoints are NaN. See <see cref="Transforms.BadRowPolicy"/>.</summary>
    public const string Error = "Error";

    // Face detection (DetectFaces, ExpandFaces).

    /// <summary>Int32: number of faces found in the image (<c>DetectFaces</c>).</summary>
    public const string FaceCount = "FaceCount";
    /// <summary>float[4N]: every face's box, left, top, width, height in image pixels, best score first (<c>DetectFaces</c>).</summary>
    public const string FaceBoxes = "FaceBoxes";
    /// <summary>float[N]: every face's detector score (<c>DetectFaces</c>).</summary>
    public const string FaceScores = "FaceScores";
    /// <summary>float[12N]: every face's 6 detector keypoints (<c>DetectFaces</c>); float[12] for one face (<c>ExpandFaces</c>).</summary>
    public const string FaceKeypoints = "FaceKeypoints";
    /// <summary>Int32: the face's index in its image, 0 = best score (<c>ExpandFaces</c>).</summary>
    public const string FaceIndex = "FaceIndex";
    /// <summary>Single: the face's detector score (<c>ExpandFaces</c>).</summary>
    public const string FaceScore = "FaceScore";
    /// <summary>float[4]: the detector's box of the face, before mapping to a landmark model's convention (<c>ExpandFaces</c>;
    /// the mapped box is <see cref="Box"/>).</summary>
    public const string DetectorBox = "DetectorBox";
}
