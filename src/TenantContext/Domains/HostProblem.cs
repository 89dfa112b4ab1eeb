namespace Tenancy.Domains;

/// <summary>Why a host was refused: the rule it broke, in words, and the error behind it.</summary>
internal sealed class HostProblem(TenantHostRule rule, string reason, Exception? inner = null)
{
    public TenantHostRule Rule { get; } = rule;

    public string Reason { get; } = reason;

    public Exception? Inner { get; } = inner;

    public InvalidTenantHostException ToException(string? host) => new(host, Rule, Reason, Inner);
}
