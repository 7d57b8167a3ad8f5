namespace KeypointML.Geometry;

/// <summary>Left/right index maps for horizontal flips: after a flip, keypoint <c>i</c> is the old keypoint <c>map[i]</c>.
/// Training augmentation and test-time flip averaging use the same maps.</summary>
public static class MirrorMaps
{
    /// <summary>
    /// The standard iBUG / 300-W 68-point mirror map (0-based): jaw 0-16 reversed; brows 17-21 with 26-22; nose bridge
    /// 27-30 fixed; nostrils 31-35 reversed; eyes 36-41 with 45-40 as 36-45, 37-44, 38-43, 39-42, 40-47, 41-46; mouth
    /// outer 48-54 reversed and 55-59 reversed; inner 60-64 reversed and 65-67 reversed.
    /// </summary>
    public static readonly IReadOnlyList<int> Ibug68 = BuildIbug68();

    private static int[] BuildIbug68()
    {
        var m = Enumerable.Range(0, 68).ToArray();
        void Swap(int a, int b) { m[a] = b; m[b] = a; }
        for (int i = 0; i <= 7; i++) Swap(i, 16 - i);
        for (int i = 17; i <= 21; i++) Swap(i, 43 - i);
        Swap(31, 35); Swap(32, 34);
        Swap(36, 45); Swap(37, 44); Swap(38, 43); Swap(39, 42); Swap(40, 47); Swap(41, 46);
        Swap(48, 54); Swap(49, 53); Swap(50, 52); Swap(55, 59); Swap(56, 58);
        Swap(60, 64); Swap(61, 63); Swap(65, 67);
        return m;
    }

    /// <summary>Checks that <paramref name="map"/> is a permutation and its own inverse (a mirror map must be an involution).</summary>
    public static void Validate(IReadOnlyList<int> map)
    {
        for (int i = 0; i < map.Count; i++)
        {
            if (map[i] < 0 || map[i] >= map.Count) throw new ArgumentException($"Mirror map entry {i} = {map[i]} is outside 0..{map.Count - 1}.");
            if (map[map[i]] != i) throw new ArgumentException($"Mirror map is not an involution: {i} -> {map[i]} -> {map[map[i]]}.");
        }
    }
}
