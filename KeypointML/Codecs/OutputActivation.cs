namespace KeypointML.Codecs;

/// <summary>The function an exported graph applies last, after the network's raw output.</summary>
public enum OutputActivation
{
    /// <summary>The graph outputs the network's values as they are.</summary>
    None = 0,
    /// <summary>The graph ends in a sigmoid: a network trained on logits (per-pixel logistic loss) outputs probabilities.</summary>
    Sigmoid = 1,
}
