namespace Tenancy;

/// <summary>
/// A <c>DbContext</c> with tenant isolation was used in the scope of one tenant while it still tracked rows of another.
/// Nothing was read or written. Take a context per scope, or clear its change tracker before switching tenants.
/// </summary>
public sealed class CrossTenantContextException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which context, which tenants, and what to do instead.</param>
    public CrossTenantContextException(string message) : base(message)
    {
    }
}
