namespace Tenancy.Generators.Models;

/// <summary>A type that encloses the accessor class, emitted as a partial declaration around it.</summary>
/// <param name="Keywords">The declaration keywords (<c>static partial class</c>, <c>partial record struct</c>).</param>
/// <param name="Name">The type name.</param>
internal sealed record ContainingTypeSpec(string Keywords, string Name);
