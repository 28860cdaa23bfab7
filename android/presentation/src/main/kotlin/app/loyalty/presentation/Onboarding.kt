package app.loyalty.presentation

import app.loyalty.core.LoyaltyException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/** Onboarding and the account part of settings. */
sealed interface OnboardingState {
    /** The welcome screen with its buttons. */
    data class Welcome(
        val title: String,
        val body: String,
        val enroll: String,
        val demo: String,
        val error: String? = null,
    ) : OnboardingState

    /** Waiting for the server. */
    data class Working(
        val message: String,
    ) : OnboardingState

    /** Enrolled: the app moves on to the card. */
    data class Ready(
        val message: String,
    ) : OnboardingState
}

/** Whether the app shows onboarding or the member's screens. */
enum class Root { ONBOARDING, MEMBER }

/**
 * Enroll, demo mode and sign-out. [afterSignOut] runs once a sign-out has
 * succeeded (not when it failed): the app deletes what the core does not
 * own, such as the device key of LOY2 codes.
 */
class OnboardingModel(
    private val env: Env,
    private val afterSignOut: suspend () -> Unit = {},
) {
    private val mutable = MutableStateFlow<OnboardingState>(welcome())
    private val rootFlow = MutableStateFlow(Root.ONBOARDING)

    /** What onboarding shows. */
    val state: StateFlow<OnboardingState> = mutable.asStateFlow()

    /** Onboarding or the member's screens. */
    val root: StateFlow<Root> = rootFlow.asStateFlow()

    /** Decides the first screen: a card on the phone means the member's screens, at once and offline. */
    suspend fun load() {
        rootFlow.value =
            try {
                env.call { cardView() }
                Root.MEMBER
            } catch (e: LoyaltyException) {
                Root.ONBOARDING
            }
    }

    /** Enrolls with the server, then shows the card. */
    suspend fun enroll() {
        mutable.value = OnboardingState.Working(env.texts.enrolling)
        mutable.value =
            try {
                val me = env.client.enroll()
                rootFlow.value = Root.MEMBER
                OnboardingState.Ready(env.texts.enrolled(me.cardLast4))
            } catch (e: LoyaltyException) {
                welcome(env.message(e))
            }
    }

    /** Demo mode: the demo wallet, no server needed. */
    suspend fun startDemo() {
        mutable.value =
            try {
                val number = env.call { startDemo().let { cardView().displayNumber } }
                rootFlow.value = Root.MEMBER
                OnboardingState.Ready(env.texts.enrolled(number.filter(Char::isDigit).takeLast(4)))
            } catch (e: LoyaltyException) {
                welcome(env.message(e))
            }
    }

    /** Signs out: everything of the member leaves the phone; back to onboarding. */
    suspend fun signOut() {
        mutable.value = OnboardingState.Working(env.texts.signingOut)
        try {
            env.client.signOut()
            afterSignOut()
            rootFlow.value = Root.ONBOARDING
            mutable.value = welcome()
        } catch (e: LoyaltyException) {
            mutable.value = welcome(env.message(e))
        }
    }

    private fun welcome(error: String? = null): OnboardingState.Welcome {
        val t = Texts.of(env.format.lang)
        return OnboardingState.Welcome(t.welcomeTitle, t.welcomeBody, t.enroll, t.tryDemo, error)
    }
}
