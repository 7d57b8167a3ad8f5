using System.Globalization;
using KeypointML.Tooling.Files;

namespace KeypointML.Tooling.Report;

/// <summary>Reads a run folder's <c>losses.csv</c> (<c>epoch,train_loss,val_loss,seconds</c> and, for heatmap runs,
/// <c>val_keypoint_mse</c>, as <c>Checkpoint.WriteLossCsv</c> writes it).</summary>
public static class LossHistory
{
    /// <summary>The file's name in a run folder.</summary>
    public const string FileName = "losses.csv";

    /// <summary>The epochs of the file; a line that does not parse is a data error naming the file and line.</summary>
    public static IReadOnlyList<EpochRecord> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var history = new List<EpochRecord>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var f = lines[i].Split(',');
            if (f.Length < 4 || !int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch)
                || !double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double train)
                || !double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double val)
                || !double.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
                throw new InvalidDataException($"{path}: line {i + 1}: expected epoch,train_loss,val_loss,seconds; got '{lines[i]}'.");
            double? keypointMse = f.Length > 4 && double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double k) ? k : null;
            history.Add(new EpochRecord(epoch, train, val, seconds, keypointMse));
        }
        return history;
    }
}
