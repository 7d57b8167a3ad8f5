using System.Text;
using KeypointML.Tooling.Files;

namespace KeypointML.Tooling.Inference;

/// <summary>
/// A predictions CSV written chunk by chunk, so that a long run survives being stopped: each chunk of faces goes to its own
/// part file (written atomically) in <c>CSV.parts/</c>; a run started again with resume skips the chunks already there;
/// when every part is there the CSV is assembled (atomically) and the parts are removed. A part holds whole rows only.
/// </summary>
/// <remarks>The parts folder records what run it belongs to (model, data, options, range, chunk size): resuming a
/// different run is refused rather than mixing outputs.</remarks>
public sealed class ChunkedCsv
{
    private const string ManifestFile = "run.txt";
    private readonly string _csv, _parts;

    /// <param name="csvPath">The CSV to produce.</param>
    /// <param name="run">Everything that decides the rows (model, data, options, shard); compared on resume.</param>
    /// <param name="faces">Faces to write.</param>
    /// <param name="chunkSize">Faces per part file.</param>
    /// <param name="resume">Continue the run whose parts are there; without it, leftover parts are an error.</param>
    public ChunkedCsv(string csvPath, string run, int faces, int chunkSize, bool resume)
    {
        if (chunkSize < 1) throw new ArgumentException($"--chunk-size must be at least 1; got {chunkSize}.");
        _csv = csvPath;
        _parts = csvPath + ".parts";
        Faces = faces;
        ChunkSize = chunkSize;
        var manifest = Path.Combine(_parts, ManifestFile);
        string description = $"{run}\nfaces {faces}\nchunk {chunkSize}\n";
        if (Directory.Exists(_parts))
        {
            if (!resume)
                throw new IOException($"{_parts} holds the parts of an earlier, unfinished run: continue it with --resume, or delete the folder.");
            var saved = File.Exists(manifest) ? File.ReadAllText(manifest) : "";
            if (saved != description)
                throw new IOException($"{_parts} belongs to another run (its {ManifestFile} differs: model, data, options or chunk size changed); delete it to start over.");
        }
        else
        {
            Directory.CreateDirectory(_parts);
            AtomicFile.WriteAllText(manifest, description);
        }
    }

    public int Faces { get; }
    public int ChunkSize { get; }
    public int Chunks => (Faces + ChunkSize - 1) / ChunkSize;

    /// <summary>The faces of chunk <paramref name="chunk"/>: first position and count.</summary>
    public (int Start, int Count) Range(int chunk) => (chunk * ChunkSize, Math.Min(ChunkSize, Faces - chunk * ChunkSize));

    private string Part(int chunk) => Path.Combine(_parts, $"part-{chunk:D6}.csv");

    /// <summary>Whether chunk <paramref name="chunk"/> was written by this run or the one it resumes.</summary>
    public bool IsDone(int chunk) => File.Exists(Part(chunk));

    /// <summary>Number of chunks already written.</summary>
    public int DoneCount => Enumerable.Range(0, Chunks).Count(IsDone);

    /// <summary>Writes a chunk's rows (temporary file, then rename).</summary>
    public void Write(int chunk, string rows) => AtomicFile.WriteAllText(Part(chunk), rows);

    /// <summary>Assembles the CSV from the header and every part, in order (atomically), then removes the parts.</summary>
    public void Finish(string header)
    {
        var missing = Enumerable.Range(0, Chunks).Where(c => !IsDone(c)).ToList();
        if (missing.Count > 0) throw new InvalidOperationException($"{missing.Count} chunk(s) of {_csv} are not written yet (first: {missing[0]}).");
        var text = new StringBuilder(header).Append('\n');
        for (int c = 0; c < Chunks; c++) text.Append(File.ReadAllText(Part(c)));
        AtomicFile.WriteAllText(_csv, text.ToString());
        Directory.Delete(_parts, recursive: true);
    }

    /// <summary>The share <paramref name="shard"/> of <paramref name="count"/> items: "i/n" takes the i-th (0-based) of n
    /// contiguous blocks, so the shards' outputs concatenated in order are the whole run's.</summary>
    public static (int Start, int Count) Shard(string? shard, int count)
    {
        if (shard is null) return (0, count);
        var parts = shard.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n) || n < 1 || i < 0 || i >= n)
            throw new ArgumentException($"--shard must be i/n with 0 <= i < n (e.g. 0/3); got '{shard}'.");
        long start = (long)i * count / n, end = (long)(i + 1) * count / n;
        return ((int)start, (int)(end - start));
    }
}
