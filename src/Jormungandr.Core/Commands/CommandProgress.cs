namespace Jormungandr.Commands;

/// <summary>Progress of a long step (Write-Progress in PowerShell, a status line in the CLI).</summary>
/// <param name="ActivityId">Distinguishes concurrent activities.</param>
/// <param name="Activity">What is being done, e.g. "Connecting to 198.18.0.1".</param>
/// <param name="Status">The current step.</param>
/// <param name="PercentComplete">0 to 100, or -1 when unknown.</param>
/// <param name="Completed">True for the record that ends the activity.</param>
public sealed record CommandProgress(int ActivityId, string Activity, string Status, int PercentComplete = -1, bool Completed = false);
