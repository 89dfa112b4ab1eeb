namespace Tenancy.Generators.Tests.Runtime;

// A real [TenantAccessors] class: this project references the generator as an analyzer, so these accessors are
// generated during the project's own build, exactly as in an application.
[TenantAccessors]
public static partial class Wiki
{
    public static partial WikiDatabase Db { get; }

    public static partial PageStore Storage { get; }
}

public sealed class WikiDatabase(string name)
{
    public string Name { get; } = name;
}

public sealed class PageStore(string name)
{
    public string Name { get; } = name;
}
