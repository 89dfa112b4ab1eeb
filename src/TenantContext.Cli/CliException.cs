namespace Tenancy.Cli;

/// <summary>A failure the tool reports as is: its message says what to do next, <see cref="ExitCode"/> is the process's exit code.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }

    /// <summary>A wrong command line: nothing was changed (exit code 2).</summary>
    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    /// <summary>A failure (exit code 1).</summary>
    public static CliException Failure(string message, Exception? innerException = null) => new(ExitCodes.Error, message, innerException);
}
