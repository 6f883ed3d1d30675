using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZlhGrind.Agent.Processes;

namespace ZlhGrind.Agent.Runtimes;

/// <summary>
/// Streams an artifact to a temp file, capping its size and hashing it on the way, with retries for
/// failures a second try can fix (connection lost, 5xx, timeouts). A wrong hash or size is not retried:
/// the artifact itself is wrong.
/// </summary>
internal sealed class ArtifactDownloader(
    IHttpClientFactory httpClientFactory,
    IOptions<RuntimeInstallOptions> options,
    TimeProvider timeProvider,
    ILogger<ArtifactDownloader> logger)
{
    public const string HttpClientName = "zlh-artifacts";

    private const int BufferSize = 81920;

    /// <summary>Downloads to a new file in <paramref name="tempDirectory"/> and returns its path; the caller deletes it.</summary>
    public async Task<string> DownloadAsync(
        ArtifactSpec artifact,
        string tempDirectory,
        Action<long, long>? progress,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        Directory.CreateDirectory(tempDirectory);
        for (var attempt = 1; ; attempt++)
        {
            var path = Path.Combine(tempDirectory, $"download-{Guid.NewGuid():N}.part");
            try
            {
                await DownloadOnceAsync(artifact, path, progress, cancellationToken);
                return path;
            }
            catch (TransientDownloadException ex) when (attempt < settings.MaxDownloadAttempts)
            {
                DeleteQuietly(path);
                var delay = DownloadRetryPolicy.DelayAfter(attempt, settings);
                logger.LogWarning(
                    "Download of {ArtifactUrl} failed on attempt {Attempt} of {MaxAttempts}: {Reason}; retrying in {Delay}",
                    artifact.Url, attempt, settings.MaxDownloadAttempts, ex.Message, delay);
                await Task.Delay(delay, timeProvider, cancellationToken);
            }
            catch (TransientDownloadException ex)
            {
                DeleteQuietly(path);
                throw new RuntimeInstallException(
                    InstallFailure.DownloadFailed,
                    $"download of {artifact.Url} failed after {attempt} attempts: {ex.Message}",
                    ex);
            }
            catch
            {
                DeleteQuietly(path);
                throw;
            }
        }
    }

    private async Task DownloadOnceAsync(ArtifactSpec artifact, string path, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        using var attemptTimeout = new CancellationTokenSource(options.Value.AttemptTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
        try
        {
            var client = httpClientFactory.CreateClient(HttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get, artifact.Url);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            CheckStatus(artifact, response);
            var declared = response.Content.Headers.ContentLength;
            if (declared is { } length && length != artifact.SizeBytes)
            {
                throw new RuntimeInstallException(
                    length > artifact.SizeBytes ? InstallFailure.TooLarge : InstallFailure.DownloadFailed,
                    $"artifact {artifact.Url} is {length} bytes but {artifact.DeclaredBy} says {artifact.SizeBytes}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(linked.Token);
            await using var file = new FileStream(path, UnixFile.CreateNew(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[BufferSize];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, linked.Token)) > 0)
            {
                total += read;
                if (total > artifact.SizeBytes)
                {
                    // Stop reading at once: a server sending more than declared could send without end.
                    throw new RuntimeInstallException(
                        InstallFailure.TooLarge,
                        $"artifact {artifact.Url} is larger than the {artifact.SizeBytes} bytes {artifact.DeclaredBy} declares; refused");
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), linked.Token);
                progress?.Invoke(total, artifact.SizeBytes);
            }

            if (total < artifact.SizeBytes)
            {
                throw new TransientDownloadException($"the connection ended after {total} of {artifact.SizeBytes} bytes");
            }

            await file.FlushAsync(linked.Token);
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(actual, artifact.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new RuntimeInstallException(
                    InstallFailure.HashMismatch,
                    $"artifact {artifact.Url} has sha256 {actual} but {artifact.DeclaredBy} says {artifact.Sha256}; refused");
            }
        }
        catch (OperationCanceledException ex) when (attemptTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TransientDownloadException($"the attempt took longer than {options.Value.AttemptTimeout}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new TransientDownloadException(ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new TransientDownloadException(ex.Message, ex);
        }
    }

    private static void CheckStatus(ArtifactSpec artifact, HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var description = $"artifact server answered {status} {response.ReasonPhrase} for {artifact.Url}";
        if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
        {
            throw new TransientDownloadException(description);
        }

        throw new RuntimeInstallException(InstallFailure.DownloadFailed, description);
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover temp file is swept with the temp directory; the install's outcome matters more.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private sealed class TransientDownloadException : Exception
    {
        public TransientDownloadException(string message)
            : base(message)
        {
        }

        public TransientDownloadException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
