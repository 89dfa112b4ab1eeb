using System.Reflection;
using System.Runtime.Loader;

namespace Tenancy.Cli.Migrations;

/// <summary>
/// Loads the app's assembly for <c>--migrations</c> with its own dependencies (from its <c>.deps.json</c>), except
/// TenantContext and the SQLite and PostgreSQL providers, which come from the tool so the migration collections are one type.
/// </summary>
internal sealed class MigrationsLoadContext : AssemblyLoadContext
{
    private static readonly string[] s_shared = ["TenantContext", "Microsoft.Data.Sqlite", "SQLitePCLRaw", "Npgsql", "System.", "Microsoft.Extensions."];
    private readonly AssemblyDependencyResolver _resolver;

    public MigrationsLoadContext(string assemblyPath)
        : base("tenantctl --migrations", isCollectible: false)
    {
        _resolver = new AssemblyDependencyResolver(assemblyPath);
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name ?? string.Empty;
        if (s_shared.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)) && TryDefault(assemblyName) is { } shared)
        {
            return shared;
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        => _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    private static Assembly? TryDefault(AssemblyName name)
    {
        try
        {
            return Default.LoadFromAssemblyName(name);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException)
        {
            return null;
        }
    }
}
