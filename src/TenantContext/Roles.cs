using System.Data.Common;

namespace Tenancy;

/// <summary>
/// A tenant's database, whatever the isolation strategy: a file per tenant, a schema per tenant, a shard, or
/// rows filtered by tenant. Returned by <see cref="TenantContext.GetDb"/>.
/// </summary>
public interface ITenantDatabase
{
    /// <summary>Opens a connection already routed to the current tenant (its file, schema, shard or row filter).</summary>
    /// <returns>An open connection the caller disposes.</returns>
    DbConnection OpenConnection();

    /// <summary>Opens a connection already routed to the current tenant.</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection the caller disposes.</returns>
    ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A tenant's own file area. Every path is relative to <see cref="Root"/> and resolved under it: no <c>..</c>,
/// no absolute paths, no links leading out. Returned by <see cref="TenantContext.GetStorage"/>.
/// </summary>
public interface ITenantStorage
{
    /// <summary>The absolute directory that holds this tenant's files.</summary>
    string Root { get; }

    /// <summary>Resolves <paramref name="relativePath"/> under <see cref="Root"/>.</summary>
    /// <param name="relativePath">A relative path using <c>/</c> (or the platform separator).</param>
    /// <returns>The absolute path, guaranteed to be inside <see cref="Root"/>.</returns>
    string GetPath(string relativePath);

    /// <summary>Opens an existing file for reading.</summary>
    /// <param name="relativePath">The file, relative to <see cref="Root"/>.</param>
    Stream OpenRead(string relativePath);

    /// <summary>Creates (or truncates) a file for writing, creating its directories.</summary>
    /// <param name="relativePath">The file, relative to <see cref="Root"/>.</param>
    Stream Create(string relativePath);

    /// <summary>Returns whether a file or directory exists.</summary>
    /// <param name="relativePath">The path, relative to <see cref="Root"/>.</param>
    bool Exists(string relativePath);

    /// <summary>Deletes a file (or an empty directory). Returns false when there was nothing to delete.</summary>
    /// <param name="relativePath">The path, relative to <see cref="Root"/>.</param>
    bool Delete(string relativePath);

    /// <summary>Lists the files under a directory, recursively, as paths relative to <see cref="Root"/> using <c>/</c>.</summary>
    /// <param name="relativeDirectory">The directory to list; empty for the whole area.</param>
    IEnumerable<string> List(string relativeDirectory = "");
}

/// <summary>A tenant's renderer, with that tenant's settings applied. Returned by <see cref="TenantContext.GetRenderer"/>.</summary>
public interface ITenantRenderer
{
    /// <summary>Renders source text (for example Markdown) to output (for example sanitized HTML).</summary>
    /// <param name="source">The source text.</param>
    string Render(string source);
}

/// <summary>
/// An entity stored in shared tables and owned by one tenant (row-level isolation). The EF Core integration
/// filters queries and guards writes on <see cref="TenantId"/>.
/// </summary>
public interface ITenantOwned
{
    /// <summary>
    /// The slug of the tenant that owns the row. Get-only here so that any shape of property implements it
    /// (<c>{ get; set; }</c>, <c>{ get; init; }</c>, a mapped backing field); the EF Core guard stamps new rows through
    /// EF's own property access.
    /// </summary>
    string TenantId { get; }
}
