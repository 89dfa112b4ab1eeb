using System.Collections;

namespace Tenancy;

/// <summary>
/// One schema step of every tenant, as a store runs it (<c>SqliteMigration</c>, <c>PostgresMigration</c>): the version a
/// tenant has once it is applied, a name for reports, and its SQL (or null when the step is code).
/// </summary>
public abstract class TenantMigrationStep
{
    /// <summary>Creates a step; <see cref="TenantMigrationSteps{TStep}"/> checks the version and name first.</summary>
    /// <param name="version">The version a tenant has once the step is applied.</param>
    /// <param name="name">A short name for reports and errors.</param>
    /// <param name="sql">The SQL of the step, or null when the step is code.</param>
    protected TenantMigrationStep(int version, string name, string? sql)
    {
        Version = version;
        Name = name;
        Sql = sql;
    }

    /// <summary>The version a tenant has once this step is applied.</summary>
    public int Version { get; }

    /// <summary>A short name shown in reports and error messages (for example <c>init</c>).</summary>
    public string Name { get; }

    /// <summary>The SQL of the step, or null when the step is code.</summary>
    public string? Sql { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Version} ({Name})";
}

/// <summary>
/// The ordered schema steps of every tenant, shared by the stores (<c>SqliteMigrationCollection</c>,
/// <c>PostgresMigrationCollection</c>, which add the <c>Add</c> overloads of their own connection types). Versions are
/// positive, unique and kept in ascending order, the order they are applied in; the highest is the version the code expects.
/// </summary>
/// <typeparam name="TStep">The store's step type.</typeparam>
public abstract class TenantMigrationSteps<TStep> : IReadOnlyList<TStep>
    where TStep : TenantMigrationStep
{
    private readonly List<TStep> _steps = new();

    /// <summary>Creates an empty list of steps.</summary>
    protected TenantMigrationSteps()
    {
    }

    /// <summary>The number of steps.</summary>
    public int Count => _steps.Count;

    /// <summary>The step at <paramref name="index"/> in version order.</summary>
    /// <param name="index">Zero-based position.</param>
    public TStep this[int index] => _steps[index];

    /// <summary>The version a fully migrated tenant has (the highest step version; 0 with no steps).</summary>
    public int LatestVersion => _steps.Count == 0 ? 0 : _steps[^1].Version;

    /// <summary>Checks a new step's version (positive, not yet registered) and name (not blank); returns the name.</summary>
    protected string Check(int version, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        if (_steps.Find(s => s.Version == version) is { } taken)
        {
            throw new ArgumentException(
                $"A migration with version {version} is already registered ('{taken.Name}'). Give each step its own version number.",
                nameof(version));
        }

        return name;
    }

    /// <summary>Inserts a checked step in version order.</summary>
    protected void Insert(TStep step)
    {
        int index = _steps.FindIndex(s => s.Version > step.Version);
        if (index < 0)
        {
            _steps.Add(step);
        }
        else
        {
            _steps.Insert(index, step);
        }
    }

    /// <inheritdoc />
    public IEnumerator<TStep> GetEnumerator() => _steps.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
