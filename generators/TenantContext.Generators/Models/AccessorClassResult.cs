namespace Tenancy.Generators.Models;

/// <summary>
/// The transform's output for one class: the emitter's spec (no locations, so edits that only move the class do
/// not regenerate it), the diagnostics, and the accessor types for the compilation-wide duplicate check.
/// </summary>
/// <param name="Spec">What to emit, or null when the class cannot be emitted (TC2001, TC2007, TC2008).</param>
/// <param name="Diagnostics">Diagnostics found in this class.</param>
/// <param name="TypeUses">The supported accessors' types.</param>
internal sealed record AccessorClassResult(
    AccessorClassSpec? Spec,
    EquatableArray<DiagnosticInfo> Diagnostics,
    EquatableArray<AccessorTypeUse> TypeUses);
