namespace Tenancy;

/// <summary>
/// Returned by <see cref="TenantContext.UseConfiguration"/>: while current, the flow's scopes use that configuration.
/// Disposing restores the previous one (out-of-order disposal throws <see cref="TenantScopeMismatchException"/>).
/// </summary>
public sealed class ConfigurationScope : IDisposable
{
    internal readonly object? Previous;

    internal ConfigurationScope(object? previous, TenantConfiguration configuration)
    {
        Previous = previous;
        Configuration = configuration;
    }

    /// <summary>The configuration this scope activates.</summary>
    public TenantConfiguration Configuration { get; }

    /// <summary>Restores the configuration that was active before.</summary>
    /// <exception cref="TenantScopeMismatchException">A scope entered after this one is still current.</exception>
    public void Dispose()
    {
        var current = ScopeFlow.Current;
        if (ReferenceEquals(current, this))
        {
            ScopeFlow.Current = Previous;
        }
        else if (ScopeFlow.IsInChain(current, this))
        {
            throw new TenantScopeMismatchException(
                $"A configuration scope was disposed while {ScopeFlow.Describe(current)}, entered after it, is still current. " +
                "Dispose scopes in the reverse order they were entered. Nothing was changed.");
        }
    }
}
