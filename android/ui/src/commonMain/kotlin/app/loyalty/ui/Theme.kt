package app.loyalty.ui

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.ColorScheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color

/** The app's light colours: a deep teal brand on near-white surfaces. */
val LoyaltyLightColors: ColorScheme =
    lightColorScheme(
        primary = Color(0xFF00696E),
        onPrimary = Color(0xFFFFFFFF),
        primaryContainer = Color(0xFF9CF0F6),
        onPrimaryContainer = Color(0xFF002022),
        secondary = Color(0xFF4A6365),
        onSecondary = Color(0xFFFFFFFF),
        secondaryContainer = Color(0xFFCCE8E9),
        onSecondaryContainer = Color(0xFF051F21),
        tertiary = Color(0xFF8A5100),
        onTertiary = Color(0xFFFFFFFF),
        tertiaryContainer = Color(0xFFFFDCBE),
        onTertiaryContainer = Color(0xFF2C1600),
        error = Color(0xFFBA1A1A),
        onError = Color(0xFFFFFFFF),
        errorContainer = Color(0xFFFFDAD6),
        onErrorContainer = Color(0xFF410002),
        background = Color(0xFFF4FAFA),
        onBackground = Color(0xFF161D1D),
        surface = Color(0xFFF4FAFA),
        onSurface = Color(0xFF161D1D),
        surfaceVariant = Color(0xFFDAE4E5),
        onSurfaceVariant = Color(0xFF3F4949),
        surfaceContainer = Color(0xFFE8EFEF),
        surfaceContainerHigh = Color(0xFFE2E9E9),
        outline = Color(0xFF6F7979),
    )

/** The app's dark colours. The card's code area stays white regardless (see [CodeColors]). */
val LoyaltyDarkColors: ColorScheme =
    darkColorScheme(
        primary = Color(0xFF80D4DA),
        onPrimary = Color(0xFF003739),
        primaryContainer = Color(0xFF004F53),
        onPrimaryContainer = Color(0xFF9CF0F6),
        secondary = Color(0xFFB0CCCD),
        onSecondary = Color(0xFF1B3436),
        secondaryContainer = Color(0xFF324B4D),
        onSecondaryContainer = Color(0xFFCCE8E9),
        tertiary = Color(0xFFFFB870),
        onTertiary = Color(0xFF4A2800),
        tertiaryContainer = Color(0xFF693C00),
        onTertiaryContainer = Color(0xFFFFDCBE),
        error = Color(0xFFFFB4AB),
        onError = Color(0xFF690005),
        errorContainer = Color(0xFF93000A),
        onErrorContainer = Color(0xFFFFDAD6),
        background = Color(0xFF0E1415),
        onBackground = Color(0xFFDDE4E4),
        surface = Color(0xFF0E1415),
        onSurface = Color(0xFFDDE4E4),
        surfaceVariant = Color(0xFF3F4949),
        onSurfaceVariant = Color(0xFFBEC8C9),
        surfaceContainer = Color(0xFF1A2121),
        surfaceContainerHigh = Color(0xFF252B2B),
        outline = Color(0xFF899393),
    )

/**
 * The colours of the card's code area, the same in both themes: tills read
 * black modules on white best, and a dark theme must not invert the code
 * or darken its quiet zone. Text on that area is near-black, never pure
 * black, so the code is the only pure black on screen (the render checks
 * rely on it).
 */
object CodeColors {
    val Paper = Color(0xFFFFFFFF)
    val Ink = Color(0xFF000000)
    val Text = Color(0xFF1E2424)
    val SecondaryText = Color(0xFF4A5252)
}

/** Material 3 with the app's light or dark colours (the system setting by default). */
@Composable
fun LoyaltyTheme(
    dark: Boolean = isSystemInDarkTheme(),
    content: @Composable () -> Unit,
) {
    MaterialTheme(colorScheme = if (dark) LoyaltyDarkColors else LoyaltyLightColors, content = content)
}
