namespace Tenancy.Generators.Models;

/// <summary>A type that encloses the accessor class, emitted as a partial declaration around it.</summary>
/// <param name="Keywords">The declaration keywords (<c>static partial class</c>, <c>partial record struct</c>).</param>
/// <param name="Name">The type name as code spells it (<c>@class</c>).</param>
/// <param name="MetadataName">The type name itself (<c>class</c>), for the generated file's name.</param>
internal sealed record ContainingTypeSpec(string Keywords, string Name, string MetadataName);
