namespace Jormungandr.Engine.Linux;

/// <summary>
/// When the one data thread hands its UDP sockets to a receive helper, and when the helper gives them
/// back, from the busy shares of their last load windows (<see cref="BusyMeter"/>). The return needs the
/// sum well below the share that split them, so a load near the threshold does not pass the sockets to
/// and fro every window.
/// </summary>
internal static class ReceiveHelperPolicy
{
    /// <summary>The data thread, owning the sockets, was busy for <paramref name="load"/> of its window: hand them over?</summary>
    public static bool Split(double load, double splitLoad) => load >= splitLoad;

    /// <summary>
    /// The helper, owning the sockets, was busy for <paramref name="load"/> of its window; the data
    /// thread for <paramref name="dataLoad"/> of its last window, which closed <paramref name="dataLoadAge"/>
    /// ticks ago: give them back? A data thread that has closed no window for two windows sleeps in
    /// poll(), and its last share is stale: it counts as idle.
    /// </summary>
    public static bool Merge(double load, double dataLoad, long dataLoadAge, long windowTicks, double mergeLoad) =>
        load + (dataLoadAge > 2 * windowTicks ? 0 : dataLoad) <= mergeLoad;
}
