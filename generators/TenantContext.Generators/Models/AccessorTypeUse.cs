namespace Tenancy.Generators.Models;

/// <summary>An accessor's type and where it is declared: input to the duplicate-type check (TC2003).</summary>
/// <param name="TypeName">The <c>global::</c>-qualified type.</param>
/// <param name="DisplayName">The accessor as users write it (<c>Wiki.Db</c>).</param>
/// <param name="SortKey">Orders uses deterministically across files (path, then position).</param>
/// <param name="Location">The property's location.</param>
internal sealed record AccessorTypeUse(string TypeName, string DisplayName, string SortKey, LocationInfo? Location);
