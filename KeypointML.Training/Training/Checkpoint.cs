using KeypointML.Tooling.Files;
using KeypointML.Tooling.Report;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace KeypointML.Training.Training;

/// <summary>The run state saved after each epoch besides the weights.</summary>
public sealed record CheckpointState
{
    /// <summary>Epochs completed (1-based count); training resumes at epoch <c>Epoch + 1</c>.</summary>
    public int Epoch { get; init; }
    public long Seed { get; init; }
    public string Fingerprint { get; init; } = "";
    /// <summary>The best <see cref="EpochRecord.SelectionMetric"/> so far (the name is kept for the checkpoint format).</summary>
    public double BestValidationLoss { get; init; } = double.PositiveInfinity;
    public int BestEpoch { get; init; }
    public List<EpochRecord> History { get; init; } = [];
    /// <summary>State of the next shuffle and augmentation generators. Each epoch's generators are derived from
    /// (seed, epoch), so these equal the derived ones; they are kept to check and to document the run.</summary>
    public ulong ShuffleState { get; init; }
    public ulong AugmentState { get; init; }
}

/// <summary>
/// The checkpoint file: a header with <see cref="CheckpointState"/> as JSON, the model's state dict, the optimizer's
/// state dict (Adam moments and step counts), and libtorch's CPU generator state. Written to a temporary file and renamed.
/// </summary>
public static class Checkpoint
{
    private const string Magic = "KPMLCKPT";
    private const int Version = 1;

    public static void Save(string path, CheckpointState state, nn.Module model, optim.Optimizer optimizer)
    {
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(Version);
            w.Write(JsonSerializer.Serialize(state, JsonOptions));
            model.save(w);
            ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(w);
            using var rng = torch.get_rng_state();
            var bytes = rng.data<byte>().ToArray();
            w.Write(bytes.Length);
            w.Write(bytes);
        });
    }

    /// <summary>Loads the checkpoint into <paramref name="model"/> and <paramref name="optimizer"/> and restores the generator state.</summary>
    public static CheckpointState Load(string path, nn.Module model, optim.Optimizer optimizer)
    {
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        string magic;
        try { magic = r.ReadString(); } catch (EndOfStreamException) { magic = ""; }
        if (magic != Magic) throw new InvalidDataException($"{path}: not a KeypointML checkpoint.");
        int version = r.ReadInt32();
        if (version != Version) throw new InvalidDataException($"{path}: checkpoint version {version}; this tool reads version {Version}.");
        var state = JsonSerializer.Deserialize<CheckpointState>(r.ReadString(), JsonOptions)
            ?? throw new InvalidDataException($"{path}: the checkpoint header is empty.");
        model.load(r);
        ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(r);
        int n = r.ReadInt32();
        var bytes = r.ReadBytes(n);
        using var rng = torch.tensor(bytes, dtype: ScalarType.Byte);
        torch.set_rng_state(rng);
        return state;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the loss history as CSV (epoch,train_loss,val_loss,seconds, and val_keypoint_mse when the run
    /// has one), atomically.</summary>
    public static void WriteLossCsv(string path, IReadOnlyList<EpochRecord> history)
    {
        bool keypointMse = history.Any(e => e.ValidationKeypointMse is not null);
        var sb = new StringBuilder("epoch,train_loss,val_loss,seconds" + (keypointMse ? ",val_keypoint_mse" : "") + "\n");
        foreach (var e in history)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{e.Epoch},{e.TrainLoss:R},{e.ValidationLoss:R},{e.Seconds:F2}");
            if (keypointMse) sb.Append(CultureInfo.InvariantCulture, $",{e.ValidationKeypointMse:R}");
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
