using System.Xml;

namespace KeypointML.Data;

/// <summary>
/// Reads dlib imglab XML (<c>&lt;image file&gt;&lt;box top left width height&gt;&lt;part name x y/&gt;</c>), the format of
/// iBUG 300-W's <c>labels_ibug_300W_*.xml</c>, as one <see cref="KeypointSample"/> per face box.
/// </summary>
/// <remarks>
/// The XML is streamed with an <see cref="XmlReader"/>, so a file of any size costs one face at a time, and every error
/// names the line and the image entry. Image paths are relative to the XML's folder. Parts are placed by their
/// name (<c>00</c> .. <c>67</c>), so their order in the file does not matter, but each must appear exactly once.
/// Following dlib, an image without boxes holds no face and yields nothing, and a box with <c>ignore='1'</c> is skipped.
/// </remarks>
public static class IbugXmlReader
{
    /// <summary>Points per iBUG 300-W face.</summary>
    public const int PointCount = 68;

    /// <summary>
    /// The faces of the file, in file order. The file's existence is checked now; a bad entry throws a
    /// <see cref="KeypointDataException"/> when the enumeration reaches it.
    /// </summary>
    public static IEnumerable<KeypointSample> Read(string xmlPath, int pointCount = PointCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pointCount, 1);
        xmlPath = Path.GetFullPath(xmlPath);
        DataFiles.RequireFile(xmlPath);
        return ReadLazily(xmlPath, pointCount);
    }

    private static IEnumerable<KeypointSample> ReadLazily(string xmlPath, int pointCount)
    {
        var folder = Path.GetDirectoryName(xmlPath)!;
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, IgnoreComments = true, IgnoreWhitespace = true, XmlResolver = null };
        using var stream = File.OpenRead(xmlPath);
        using var reader = XmlReader.Create(stream, settings);
        var lineInfo = (IXmlLineInfo)reader;

        ImageEntry? image = null;
        BoxEntry? box = null;
        while (ReadNext(reader, xmlPath))
        {
            int line = lineInfo.LineNumber;
            if (reader.NodeType == XmlNodeType.Element)
            {
                switch (reader.Name)
                {
                    case "image":
                        image = StartImage(reader, xmlPath, line, folder);
                        if (reader.IsEmptyElement) image = null;
                        break;
                    case "box" when image is not null:
                        box = StartBox(reader, xmlPath, line, image, pointCount);
                        if (reader.IsEmptyElement)
                        {
                            var sample = FinishBox(xmlPath, image, box);
                            box = null;
                            if (sample is not null) yield return sample;
                        }
                        break;
                    case "part" when box is not null:
                        ReadPart(reader, xmlPath, line, image!, box);
                        break;
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement)
            {
                if (reader.Name == "box" && box is not null && image is not null)
                {
                    var sample = FinishBox(xmlPath, image, box);
                    box = null;
                    if (sample is not null) yield return sample;
                }
                else if (reader.Name == "image")
                {
                    image = null;
                }
            }
        }
    }

    /// <summary>One <c>&lt;image&gt;</c> element: its path and, once a box needs it, its size.</summary>
    private sealed class ImageEntry(string file, string path, int line)
    {
        public string File { get; } = file;
        public string Path { get; } = path;
        public int Line { get; } = line;
        public string Description => $"image '{File}'";
        public (int Width, int Height)? Size { get; set; }
    }

    /// <summary>One <c>&lt;box&gt;</c> element being read: its rectangle and the parts seen so far.</summary>
    private sealed class BoxEntry(int line, float[] box, bool ignored, int pointCount)
    {
        public int Line { get; } = line;
        public float[] Box { get; } = box;
        public bool Ignored { get; } = ignored;
        public float[] Keypoints { get; } = new float[2 * pointCount];
        public int?[] PartLines { get; } = new int?[pointCount];
    }

    private static bool ReadNext(XmlReader reader, string xmlPath)
    {
        try
        {
            return reader.Read();
        }
        catch (XmlException e)
        {
            throw KeypointDataException.AtLine(xmlPath, e.LineNumber, $"the XML is malformed: {e.Message}", inner: e);
        }
    }

    private static ImageEntry StartImage(XmlReader reader, string xmlPath, int line, string folder)
    {
        var file = reader.GetAttribute("file");
        if (string.IsNullOrWhiteSpace(file))
            throw KeypointDataException.AtLine(xmlPath, line, "the <image> element has no 'file' attribute.");
        return new ImageEntry(file, System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, file)), line);
    }

    private static BoxEntry StartBox(XmlReader reader, string xmlPath, int line, ImageEntry image, int pointCount)
    {
        float Attribute(string name)
        {
            var text = reader.GetAttribute(name)
                ?? throw KeypointDataException.AtLine(xmlPath, line, $"the <box> has no '{name}' attribute.", image.Description);
            if (!DataNumbers.TryParseFinite(text, out var value))
                throw KeypointDataException.AtLine(xmlPath, line, $"the box {name} '{text}' is not a number.", image.Description);
            return value;
        }

        float left = Attribute("left"), top = Attribute("top"), width = Attribute("width"), height = Attribute("height");
        bool ignored = reader.GetAttribute("ignore") is "1" or "true";
        return new BoxEntry(line, [left, top, width, height], ignored, pointCount);
    }

    private static void ReadPart(XmlReader reader, string xmlPath, int line, ImageEntry image, BoxEntry box)
    {
        int count = box.PartLines.Length;
        var name = reader.GetAttribute("name")
            ?? throw KeypointDataException.AtLine(xmlPath, line, "the <part> has no 'name' attribute.", image.Description);
        if (!DataNumbers.TryParseInt(name, out var index) || index < 0 || index >= count)
            throw KeypointDataException.AtLine(xmlPath, line,
                $"the part name '{name}' is not a point number 00..{count - 1:00} (the face has {count} points).", image.Description);
        if (box.PartLines[index] is int earlier)
            throw KeypointDataException.AtLine(xmlPath, line, $"part '{name}' appears twice (first on line {earlier}).", image.Description);
        for (int axis = 0; axis < 2; axis++)
        {
            var attribute = axis == 0 ? "x" : "y";
            var text = reader.GetAttribute(attribute)
                ?? throw KeypointDataException.AtLine(xmlPath, line, $"part '{name}' has no '{attribute}' attribute.", image.Description);
            if (!DataNumbers.TryParseFinite(text, out var value))
                throw KeypointDataException.AtLine(xmlPath, line, $"part '{name}' has {attribute}='{text}', which is not a number.", image.Description);
            box.Keypoints[2 * index + axis] = value;
        }
        box.PartLines[index] = line;
    }

    private static KeypointSample? FinishBox(string xmlPath, ImageEntry image, BoxEntry box)
    {
        if (box.Ignored) return null;
        int found = box.PartLines.Count(l => l is not null);
        if (found != box.PartLines.Length)
        {
            var missing = Enumerable.Range(0, box.PartLines.Length).Where(i => box.PartLines[i] is null).Select(i => i.ToString("00"));
            throw KeypointDataException.AtLine(xmlPath, box.Line,
                $"the box has {found} parts, expected {box.PartLines.Length}; missing: {string.Join(", ", missing.Take(10))}{(box.PartLines.Length - found > 10 ? ", ..." : "")}.",
                image.Description);
        }
        var (width, height) = image.Size ??= ImageHeader.ReadSize(image.Path, xmlPath, image.Line, image.Description);
        var b = box.Box;
        if (FaceBoxes.FindProblem(b[0], b[1], b[2], b[3], width, height) is string problem)
            throw KeypointDataException.AtLine(xmlPath, box.Line, problem, image.Description);
        return new KeypointSample(image.Path, width, height, b, box.Keypoints);
    }
}
