using static TorchSharp.torch;

namespace KeypointML.Training.Training;

/// <summary>
/// What a network is trained to output and how that is scored: the loss of a batch of outputs against its (augmented)
/// normalized keypoints, and the keypoints an output stands for. The <see cref="Trainer"/> knows nothing else about the
/// output, so coordinate and heatmap models share the loop, checkpoints and resume.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Added to the run fingerprint, so a resume with another objective is refused; empty for
    /// <see cref="CoordinateMse"/> (the fingerprints of runs made before objectives existed stay valid).</summary>
    string Fingerprint { get; }

    /// <summary>Short loss name for logs and plots ("MSE", "BCE").</summary>
    string LossName { get; }

    /// <summary>True when the loss is itself the MSE of the normalized coordinates (then no separate keypoint error is
    /// computed or written).</summary>
    bool LossIsKeypointMse { get; }

    /// <summary>The scalar loss of a batch: <paramref name="output"/> from the network, <paramref name="keypoints"/>
    /// <c>[B, 2K]</c> normalized crop coordinates.</summary>
    Tensor Loss(Tensor output, Tensor keypoints);

    /// <summary>The loss with a teacher's soft targets for the batch (distillation; shaped as <paramref name="output"/>);
    /// objectives that cannot use them ignore them.</summary>
    Tensor Loss(Tensor output, Tensor keypoints, Tensor? teacher) => Loss(output, keypoints);

    /// <summary>The normalized keypoints <c>[B, 2K]</c> (float32, CPU) that a batch of outputs stands for.</summary>
    Tensor Decode(Tensor output);
}

/// <summary>Coordinate regression: the network outputs <c>[B, 2K]</c> normalized coordinates; loss MSE.</summary>
public sealed class CoordinateMse : ITrainingObjective
{
    public static CoordinateMse Instance { get; } = new();

    private CoordinateMse() { }

    public string Fingerprint => "";
    public string LossName => "MSE";
    public bool LossIsKeypointMse => true;
    public Tensor Loss(Tensor output, Tensor keypoints) => nn.functional.mse_loss(output, keypoints);
    public Tensor Decode(Tensor output) => output.detach().to(ScalarType.Float32).cpu();
}

