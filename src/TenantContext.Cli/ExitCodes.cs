namespace Tenancy.Cli;

/// <summary>The exit codes scripts can rely on (README, "Operating tenants").</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Ok = 0;

    /// <summary>The command failed; stderr says why and what to do next.</summary>
    public const int Error = 1;

    /// <summary>The command line is wrong (unknown option, missing argument, invalid tenant name, missing <c>--yes</c>); nothing was changed.</summary>
    public const int Usage = 2;

    /// <summary>The command ran over several tenants and some of them failed; the report lists them.</summary>
    public const int SomeTenantsFailed = 3;

    /// <summary>A verification found a mismatch (a check found damage, a split's counts differ, rows could not be placed).</summary>
    public const int VerificationMismatch = 4;

    /// <summary>Interrupted by Ctrl-C (SIGINT) or SIGTERM: the work in flight was finished or rolled back, nothing is half-published.</summary>
    public const int Cancelled = 130;
}
