using System.Formats.Tar;
using System.IO.Compression;

namespace ZlhGrind.Agent.Files;

/// <summary>Where compress puts entries: a tar.gz (links kept as links) or a zip (links left out: zip has no portable link).</summary>
internal abstract class ArchiveSink : IAsyncDisposable
{
    public static ArchiveSink Create(ArchiveFormat format, Stream output) =>
        format == ArchiveFormat.TarGz ? new TarGzSink(output) : new ZipSink(output);

    public abstract Task AddDirectoryAsync(string name, uint mode, DateTimeOffset modified, CancellationToken cancellationToken);

    public abstract Task AddFileAsync(string name, uint mode, DateTimeOffset modified, Stream content, CancellationToken cancellationToken);

    public abstract Task AddLinkAsync(string name, string target, DateTimeOffset modified, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    private sealed class TarGzSink(Stream output) : ArchiveSink
    {
        private readonly GZipStream _gzip = new(output, CompressionLevel.Fastest, leaveOpen: true);
        private TarWriter? _tar;

        private TarWriter Tar => _tar ??= new TarWriter(_gzip, TarEntryFormat.Pax, leaveOpen: true);

        public override Task AddDirectoryAsync(string name, uint mode, DateTimeOffset modified, CancellationToken cancellationToken) =>
            Tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, name + "/") { Mode = (UnixFileMode)mode, ModificationTime = modified }, cancellationToken);

        public override Task AddFileAsync(string name, uint mode, DateTimeOffset modified, Stream content, CancellationToken cancellationToken) =>
            Tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)mode, ModificationTime = modified, DataStream = content }, cancellationToken);

        public override Task AddLinkAsync(string name, string target, DateTimeOffset modified, CancellationToken cancellationToken) =>
            Tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0x1FF, ModificationTime = modified }, cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            await Tar.DisposeAsync();
            await _gzip.DisposeAsync();
        }
    }

    private sealed class ZipSink(Stream output) : ArchiveSink
    {
        // Zip's DOS timestamps start in 1980; older modification times are stored as its first day.
        private static readonly DateTimeOffset ZipEpoch = new(1980, 1, 2, 0, 0, 0, TimeSpan.Zero);

        private readonly ZipArchive _zip = new(output, ZipArchiveMode.Create, leaveOpen: true);

        public override Task AddDirectoryAsync(string name, uint mode, DateTimeOffset modified, CancellationToken cancellationToken)
        {
            var entry = _zip.CreateEntry(name + "/");
            entry.ExternalAttributes = (int)((FileSyscalls.TypeDirectory | mode) << 16);
            entry.LastWriteTime = modified < ZipEpoch ? ZipEpoch : modified;
            return Task.CompletedTask;
        }

        public override async Task AddFileAsync(string name, uint mode, DateTimeOffset modified, Stream content, CancellationToken cancellationToken)
        {
            var entry = _zip.CreateEntry(name, CompressionLevel.Fastest);
            entry.ExternalAttributes = (int)((FileSyscalls.TypeRegular | mode) << 16);
            entry.LastWriteTime = modified < ZipEpoch ? ZipEpoch : modified;
            await using var data = entry.Open();
            await content.CopyToAsync(data, cancellationToken);
        }

        public override Task AddLinkAsync(string name, string target, DateTimeOffset modified, CancellationToken cancellationToken) => Task.CompletedTask;

        public override ValueTask DisposeAsync()
        {
            _zip.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
