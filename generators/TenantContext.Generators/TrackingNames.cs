namespace Tenancy.Generators;

/// <summary>Names of the pipeline steps, so tests can check each one is cached.</summary>
internal static class TrackingNames
{
    public const string Transform = nameof(Transform);
    public const string Spec = nameof(Spec);
    public const string AllSpecs = nameof(AllSpecs);
    public const string Diagnostics = nameof(Diagnostics);
    public const string TypeUses = nameof(TypeUses);
    public const string AllTypeUses = nameof(AllTypeUses);
}
