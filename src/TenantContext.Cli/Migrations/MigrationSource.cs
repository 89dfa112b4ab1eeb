using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Tenancy.Npgsql;
using Tenancy.Sqlite;

namespace Tenancy.Cli.Migrations;

/// <summary>
/// Reads the app's schema steps for <c>--migrations</c>: a folder of numbered <c>.sql</c> files, or an assembly with a type
/// that has <c>public static void Configure(SqliteMigrationCollection migrations)</c> (SQLite) or
/// <c>public static void Configure(PostgresMigrationCollection migrations)</c> (PostgreSQL) — the same method the app calls
/// from <c>UseSqlite(o => Migrations.Configure(o.Migrations))</c> or <c>UsePostgres(…)</c>, so the app and the tool share one list.
/// </summary>
internal static partial class MigrationSource
{
    public const string MethodName = "Configure";

    /// <summary>Loads the steps into a SQLite data root's collection.</summary>
    public static void Load(string spec, SqliteMigrationCollection into) => Load(spec, into, (v, n, sql) => into.Add(v, n, sql));

    /// <summary>Loads the steps into a PostgreSQL catalog's collection.</summary>
    public static void Load(string spec, PostgresMigrationCollection into) => Load(spec, into, (v, n, sql) => into.Add(v, n, sql));

    private static void Load<TCollection>(string spec, TCollection into, Action<int, string, string> add)
        where TCollection : class
    {
        if (Directory.Exists(spec))
        {
            LoadFolder(Path.GetFullPath(spec), add);
            return;
        }

        var (assemblyPath, typeName) = SplitAssemblySpec(spec);
        if (!File.Exists(assemblyPath))
        {
            throw CliException.Usage(
                $"--migrations {spec}: no such folder or assembly. Pass a folder of numbered .sql files (0001_init.sql, …) " +
                "or the app's built assembly, e.g. --migrations bin/Release/net10.0/MyApp.dll:MyApp.TenantMigrations.");
        }

        LoadAssembly(Path.GetFullPath(assemblyPath), typeName, into);
    }

    /// <summary>Each <c>NNNN_name.sql</c> is the step of version NNNN, named <c>name</c>, run as one transaction.</summary>
    private static void LoadFolder(string folder, Action<int, string, string> add)
    {
        var files = Directory.GetFiles(folder, "*.sql").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw CliException.Usage($"--migrations {folder}: the folder has no .sql files. Name each step NNNN_name.sql (0001_init.sql, 0002_add_index.sql, …).");
        }

        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var match = StepFileName().Match(name);
            if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1)
            {
                throw CliException.Usage(
                    $"--migrations: {Path.GetFileName(file)} does not start with a version number of 1 or more. Rename it NNNN_name.sql (0003_add_tags.sql); " +
                    "every .sql file in the folder is a step.");
            }

            var sql = File.ReadAllText(file);
            if (string.IsNullOrWhiteSpace(sql))
            {
                throw CliException.Usage($"--migrations: {Path.GetFileName(file)} is empty. Give the step its SQL, or remove the file.");
            }

            var stepName = match.Groups[2].Value.Length > 0 ? match.Groups[2].Value : name;
            try
            {
                add(version, stepName, sql);
            }
            catch (ArgumentException ex)
            {
                throw CliException.Usage($"--migrations: {Path.GetFileName(file)}: {ex.Message}");
            }
        }
    }

    private static (string Path, string? Type) SplitAssemblySpec(string spec)
    {
        // ASSEMBLY.dll:TYPE — the last ':' after the file name (a Windows drive letter also has one).
        int colon = spec.LastIndexOf(':');
        if (colon > 0 && spec[..colon].EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return (spec[..colon], spec[(colon + 1)..]);
        }

        return (spec, null);
    }

    private static void LoadAssembly<TCollection>(string path, string? typeName, TCollection into)
        where TCollection : class
    {
        var collection = typeof(TCollection).Name;
        Assembly assembly;
        try
        {
            assembly = new MigrationsLoadContext(path).LoadFromAssemblyPath(path);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or IOException)
        {
            throw CliException.Usage($"--migrations {path}: not a .NET assembly that can be loaded ({ex.Message}). Pass the app's built .dll or a folder of .sql files.");
        }

        var candidates = typeName is not null
            ? [assembly.GetType(typeName, throwOnError: false) ?? throw CliException.Usage(
                $"--migrations: {Path.GetFileName(path)} has no type {typeName}. Give the full name, namespace included (MyApp.TenantMigrations).")]
            : LoadableTypes(assembly).Where(t => FindMethod(t, typeof(TCollection)) is not null).ToArray();
        if (candidates.Length != 1)
        {
            throw CliException.Usage(candidates.Length == 0
                ? $"--migrations: no type in {Path.GetFileName(path)} has 'public static void {MethodName}({collection} migrations)'. Add one, or pass a folder of .sql files."
                : $"--migrations: several types in {Path.GetFileName(path)} configure migrations ({string.Join(", ", candidates.Select(c => c.FullName))}). " +
                  $"Name one: --migrations {Path.GetFileName(path)}:{candidates[0].FullName}.");
        }

        var method = FindMethod(candidates[0], typeof(TCollection)) ?? throw CliException.Usage(
            $"--migrations: {candidates[0].FullName} has no 'public static void {MethodName}({collection} migrations)'. Add it " +
            "(the app can call the same method from UseSqlite or UsePostgres), or pass a folder of .sql files.");
        try
        {
            method.Invoke(null, [into]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw CliException.Failure($"--migrations: {candidates[0].FullName}.{MethodName} failed: {ex.InnerException.Message}", ex.InnerException);
        }
    }

    private static MethodInfo? FindMethod(Type type, Type collection)
        => type.GetMethod(MethodName, BindingFlags.Public | BindingFlags.Static, [collection]) is { ReturnType: var r } m && r == typeof(void) ? m : null;

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }

    [GeneratedRegex(@"^(\d+)[_\-. ]*(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex StepFileName();
}
