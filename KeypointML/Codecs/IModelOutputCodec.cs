namespace KeypointML.Codecs;

/// <summary>
/// What a model's output means, in one object that training and inference share (after mmpose's codecs): the shape of
/// one sample's output, the activation the exported graph ends in, and how all of it is recorded in the model's
/// metadata. Keypoint models have a <see cref="KeypointCodec"/>; a face detector's anchor boxes fit the same contract
/// with their own decode to boxes and scores.
/// </summary>
public interface IModelOutputCodec
{
    /// <summary>The metadata name of the output kind ("coordinates", "heatmaps").</summary>
    string Kind { get; }

    /// <summary>The output dimensions of one sample, without the batch dimension.</summary>
    IReadOnlyList<int> OutputShape { get; }

    /// <summary>Number of floats of one sample's output (the product of <see cref="OutputShape"/>).</summary>
    int OutputLength { get; }

    /// <summary>What the exported graph applies to the network's raw output; training applies the same before it
    /// decodes, so that validation sees exactly what the exported model outputs.</summary>
    OutputActivation Activation { get; }
}
